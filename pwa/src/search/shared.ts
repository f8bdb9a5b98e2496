import type { Data } from '../state/data';
import { type SearchData, Search } from './index';

/** One index for the app: built on the first search, then updated record by record. */
const shared = new Search();
let last: SearchData | undefined;
let building: Promise<void> | null = null;

/**
 * The index for d, built in steps that leave the page responsive; the first build of a large
 * address book takes a moment, later changes a few milliseconds.
 */
export async function readyIndex(d: Data | SearchData): Promise<Search> {
  while (building) await building;
  if (d !== last) {
    const t0 = performance.now();
    building = shared.updateInSteps(d);
    try {
      await building;
    } finally {
      building = null;
    }
    last = d;
    performance.measure('askwell:search-index', { start: t0, end: performance.now() });
  }
  return shared;
}
