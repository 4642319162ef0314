import { adminPath, type AdminRoute } from './admin-server';

/** Anything that renders Prometheus text (ProxyMetrics). */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/** `GET /metrics` on the admin port: the Prometheus text exposition format. */
export function metricsRoute(metrics: MetricsSource): AdminRoute {
  return async (req, res) => {
    if (adminPath(req) !== '/metrics') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 });
      res.end();
      return true;
    }
    const text = await metrics.render();
    res.writeHead(200, {
      'content-type': metrics.contentType,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
    return true;
  };
}
