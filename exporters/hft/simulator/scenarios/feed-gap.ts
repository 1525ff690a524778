import { FEED_GAP_CRITICAL_SECONDS, FEED_GAP_FOR_SECONDS } from '../../../../alert-rules/thresholds.js';
import { faultScenario } from './types.js';

/** The first feed stops ticking for long enough to page. */
export const feedGap = faultScenario({
  name: 'feed-gap',
  description: 'The first market-data feed goes silent (no ticks) while everything else carries on.',
  alert: 'FeedGap',
  // The gap's seconds burn the feed availability SLO's budget: its page follows once the hour holds
  // enough open seconds (its ticket too, in a run long enough for the ticket's guard).
  related: ['FeedAvailabilitySloFastBurn', 'FeedAvailabilitySloSlowBurn'],
  faultFor: FEED_GAP_CRITICAL_SECONDS + FEED_GAP_FOR_SECONDS + 15,
  faults: () => ({ silentFeeds: ['twse-md'] }),
});
