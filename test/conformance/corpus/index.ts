/** The whole conformance corpus, in report order. */
import type { Case, Group } from '../harness/types';
import { HEADERS } from './fields';
import { CHUNKED, SMUGGLING } from './framing';
import { EXPECT_UPGRADE, HOP_BY_HOP, PIPELINING, REQUEST_LINES } from './messages';
import { RESPONSES, SCRIPTS } from './responses';

export { SCRIPTS };

export const CASES: readonly Case[] = [
  ...SMUGGLING,
  ...CHUNKED,
  ...HEADERS,
  ...REQUEST_LINES,
  ...EXPECT_UPGRADE,
  ...HOP_BY_HOP,
  ...PIPELINING,
  ...RESPONSES,
];

export function casesOf(...groups: Group[]): Case[] {
  return CASES.filter((c) => groups.includes(c.group));
}
