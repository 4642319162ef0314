/**
 * The jest side of the conformance corpus: rrproxy only (the peers are the report's business),
 * every case of the given groups run once in beforeAll, then one test per case asserting the RFC
 * expectation (plus issue 2's stricter ones). Cases listed in KNOWN_FAILING run as test.failing.
 */
import { startProxy, type ProxyProcess } from '../../support/proxy-process';
import { casesOf, SCRIPTS } from '../corpus';
import { KNOWN_FAILING } from '../known-failing';
import { startRecordingBackend, type RecordingBackend } from './recording-backend';
import { describe as describeObservation, judge, runCorpus, type CorpusRun } from './run';
import { CONFORMANCE_CONFIG, type Group } from './types';

export function conformanceSuite(...groups: Group[]): void {
  const cases = casesOf(...groups);
  let backend: RecordingBackend;
  let proxy: ProxyProcess;
  let run: CorpusRun;

  beforeAll(async () => {
    backend = await startRecordingBackend(SCRIPTS);
    proxy = await startProxy({ backends: [backend.address], configYaml: CONFORMANCE_CONFIG });
    run = await runCorpus('rrproxy', proxy.port, backend, cases, { concurrency: 16 });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop('SIGKILL');
    await backend?.stop();
  });

  test('the corpus of these groups is not empty and its ids are unique', () => {
    expect(cases.length).toBeGreaterThan(10);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  test('every byte rrproxy sent the backend parses as requests matched to a case', () => {
    expect(backend.errors).toEqual([]);
    expect(run.unattributed.map((r) => `${r.line} ${JSON.stringify(r.fields)}`)).toEqual([]);
  });

  for (const c of cases) {
    const known = KNOWN_FAILING[c.id];
    const name = `${c.id}: ${c.title} (${c.rfc})${known === undefined ? '' : ' [KNOWN FAILING]'}`;
    const body = (): void => {
      const o = run.observations.get(c.id)!;
      const problems = judge(c, o, true);
      // The observation is in the message so a failure says what rrproxy actually did.
      expect({ problems, saw: describeObservation(o) }).toEqual({
        problems: [],
        saw: describeObservation(o),
      });
    };
    if (known === undefined) test(name, body);
    else test.failing(name, body);
  }
}
