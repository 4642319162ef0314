/**
 * The differential report: the whole corpus against rrproxy, nginx and HAProxy, each in front of
 * its own recording backend, judged against the corpus's RFC expectations. Not a test (timings
 * and peers' versions vary); bench/conformance/report.mjs runs it and writes latest.md.
 */
import { writeFileSync } from 'node:fs';
import { CASES, SCRIPTS } from '../corpus';
import { startProxy } from '../../support/proxy-process';
import { startHaproxy, startNginxProxy } from './peers';
import { startRecordingBackend, type RecordingBackend } from './recording-backend';
import { describe, isDesync, judge, runCorpus, type CorpusRun } from './run';
import { CONFORMANCE_CONFIG, type Case, type Observation } from './types';

const PROXIES = ['rrproxy', 'nginx', 'haproxy'] as const;
type ProxyName = (typeof PROXIES)[number];

interface Row {
  c: Case;
  obs: Record<ProxyName, Observation>;
  problems: Record<ProxyName, string[]>;
  /** rrproxy's status/forwarding differs from both peers. */
  rrAlone: boolean;
  smuggledBy: ProxyName[];
}

function signature(o: Observation): string {
  return `${o.statuses.join(',') || 'none'}/${o.forwarded.length}`;
}

function cell(o: Observation, problems: string[]): string {
  const st = o.statuses.length === 0 ? '-' : o.statuses.join(',');
  const conn = o.client.closed ? 'C' : 'K';
  const smug = o.smuggled.length === 0 ? '' : isDesync(o) ? ' **DESYNC**' : ' +hidden';
  const verdict = problems.length === 0 ? '' : ' ✗';
  return `${st} ${conn} b${o.forwarded.length}${smug}${verdict}`;
}

function escape(s: string): string {
  let out = '';
  for (const ch of s.replace(/\|/g, '\\|')) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c >= 0x7f ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

export async function runReport(outMd: string, outJson: string | null): Promise<void> {
  const backends: Record<ProxyName, RecordingBackend> = {
    rrproxy: await startRecordingBackend(SCRIPTS),
    nginx: await startRecordingBackend(SCRIPTS),
    haproxy: await startRecordingBackend(SCRIPTS),
  };
  const rr = await startProxy({
    backends: [backends.rrproxy.address],
    configYaml: CONFORMANCE_CONFIG,
  });
  const ng = await startNginxProxy(backends.nginx.address);
  const hp = await startHaproxy(backends.haproxy.address);
  const ports: Record<ProxyName, number> = { rrproxy: rr.port, nginx: ng.port, haproxy: hp.port };
  let runs: Record<ProxyName, CorpusRun>;
  try {
    const [a, b, c] = await Promise.all(
      PROXIES.map((p) => runCorpus(p, ports[p], backends[p], CASES, { concurrency: 8 })),
    );
    runs = { rrproxy: a!, nginx: b!, haproxy: c! };
  } finally {
    await rr.stop('SIGKILL');
    await ng.stop();
    await hp.stop();
    for (const b of Object.values(backends)) await b.stop();
  }

  const rows: Row[] = CASES.map((c) => {
    const obs = {} as Record<ProxyName, Observation>;
    const problems = {} as Record<ProxyName, string[]>;
    for (const p of PROXIES) {
      obs[p] = runs[p].observations.get(c.id)!;
      problems[p] = judge(c, obs[p]);
    }
    const rs = signature(obs.rrproxy);
    return {
      c,
      obs,
      problems,
      rrAlone: rs !== signature(obs.nginx) && rs !== signature(obs.haproxy),
      smuggledBy: PROXIES.filter((p) => obs[p].smuggled.length > 0),
    };
  });

  const lines: string[] = [];
  const count = (p: ProxyName): number => rows.filter((r) => r.problems[p].length > 0).length;
  lines.push('# Conformance: rrproxy vs nginx vs HAProxy');
  lines.push('');
  lines.push(
    `Generated ${new Date().toISOString()} by \`node bench/conformance/report.mjs\`; ${rows.length} cases.`,
  );
  lines.push('Each proxy runs in front of its own recording backend (test/conformance/harness).');
  lines.push(
    'Cell: final statuses (`-` none), `C` closed / `K` kept open by the proxy, `bN` requests the backend received, ✗ = differs from the RFC expectation in the corpus.',
  );
  lines.push('');
  lines.push(
    `RFC deviations: rrproxy ${count('rrproxy')}, nginx ${count('nginx')}, haproxy ${count('haproxy')}.`,
  );
  lines.push('');
  const smuggled = rows.filter((r) => r.smuggledBy.length > 0);
  lines.push(`## A hidden request reached a backend (${smuggled.length} cases)`);
  lines.push('');
  lines.push(
    'Every case that must be refused carries a second request after it (target `/Snnn`). **desync**: the backend got it but the proxy never answered it as a request (the proxy took it for body bytes: request smuggling). **processed**: the proxy accepted the malformed request and then served the hidden one as a pipelined request (lenient, not a desync).',
  );
  lines.push('');
  for (const r of smuggled) {
    const how = r.smuggledBy.map(
      (p) => `${p} (${isDesync(r.obs[p]) ? '**desync**' : 'processed'})`,
    );
    lines.push(`- \`${r.c.id}\` (${escape(r.c.title)}): ${how.join(', ')}`);
  }
  if (smuggled.length === 0) lines.push('none');
  lines.push('');
  const alone = rows.filter((r) => r.rrAlone);
  lines.push(`## rrproxy differs from both nginx and HAProxy (${alone.length})`);
  lines.push('');
  lines.push('| case | rrproxy | nginx | haproxy | RFC verdict on rrproxy | rule |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  for (const r of alone) {
    lines.push(
      `| \`${r.c.id}\` ${escape(r.c.title)} | ${cell(r.obs.rrproxy, r.problems.rrproxy)} | ${cell(r.obs.nginx, r.problems.nginx)} | ${cell(r.obs.haproxy, r.problems.haproxy)} | ${r.problems.rrproxy.length === 0 ? 'ok' : escape(r.problems.rrproxy.join('; '))} | ${escape(r.c.rfc)} |`,
    );
  }
  lines.push('');
  const rrWrong = rows.filter((r) => r.problems.rrproxy.length > 0);
  lines.push(`## rrproxy against the RFC expectation (${rrWrong.length} deviations)`);
  lines.push('');
  for (const r of rrWrong) {
    lines.push(
      `- \`${r.c.id}\` ${escape(r.c.title)}: ${escape(r.problems.rrproxy.join('; '))} (${escape(r.c.rfc)}); rrproxy: ${escape(describe(r.obs.rrproxy))}`,
    );
  }
  lines.push('');
  lines.push('## Details of the flagged rows');
  lines.push('');
  lines.push(
    'What each proxy did where rrproxy differs from both peers or a hidden request got through: final statuses (1xx seen), connection, and each request the backend received with its framing and selected fields.',
  );
  lines.push('');
  for (const r of rows.filter((x) => x.rrAlone || x.smuggledBy.length > 0)) {
    lines.push(`- \`${r.c.id}\` ${escape(r.c.title)} (${escape(r.c.rfc)})`);
    for (const p of PROXIES) lines.push(`  - ${p}: ${escape(describe(r.obs[p], true))}`);
  }
  lines.push('');
  lines.push('## All cases');
  lines.push('');
  lines.push('| case | group | rrproxy | nginx | haproxy |');
  lines.push('| --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const flag = (r.rrAlone ? ' ⚑' : '') + (r.smuggledBy.length > 0 ? ' ☠' : '');
    lines.push(
      `| \`${r.c.id}\`${flag} | ${r.c.group} | ${cell(r.obs.rrproxy, r.problems.rrproxy)} | ${cell(r.obs.nginx, r.problems.nginx)} | ${cell(r.obs.haproxy, r.problems.haproxy)} |`,
    );
  }
  lines.push('');
  lines.push('## Peer deviations from the RFC expectation');
  lines.push('');
  for (const p of ['nginx', 'haproxy'] as const) {
    lines.push(`### ${p}`);
    lines.push('');
    for (const r of rows.filter((x) => x.problems[p].length > 0)) {
      lines.push(`- \`${r.c.id}\`: ${escape(r.problems[p].join('; '))}`);
    }
    lines.push('');
  }
  lines.push('## Backend bytes no case could be matched with');
  lines.push('');
  for (const p of PROXIES) {
    const u = runs[p].unattributed;
    lines.push(
      `- ${p}: ${u.length}${
        u.length > 0
          ? ': ' +
            escape(
              u
                .slice(0, 10)
                .map((x) => x.line)
                .join(' | '),
            )
          : ''
      }`,
    );
    const errs = backends[p].errors;
    if (errs.length > 0)
      lines.push(
        `  - backend parse errors: ${escape(
          errs
            .slice(0, 10)
            .map((e) => `${e.error} ${JSON.stringify(e.rest.slice(0, 60))}`)
            .join(' | '),
        )}`,
      );
  }
  writeFileSync(outMd, lines.join('\n') + '\n');
  if (outJson === null) return;
  writeFileSync(
    outJson,
    JSON.stringify(
      rows.map((r) => ({
        id: r.c.id,
        group: r.c.group,
        rfc: r.c.rfc,
        rrAlone: r.rrAlone,
        smuggledBy: r.smuggledBy,
        ...Object.fromEntries(
          PROXIES.map((p) => [p, { seen: describe(r.obs[p], true), problems: r.problems[p] }]),
        ),
      })),
      null,
      1,
    ),
  );
}
