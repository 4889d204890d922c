/**
 * The pure comparison of the periodic reconciliation (docs/adr/0015-reconciliation.md): the engine's
 * working orders and inventory against the venue's open orders (with our tag) and account inventory,
 * tolerant of what is in flight.
 *
 * In flight, and so never a difference:
 * - an order the engine placed or closed while the venue was being asked: the engine is read before
 *   and after the venue answers; an id the venue lists is ours if the engine had it either time, and an
 *   id only the engine has counts only if it was working both times;
 * - a fill the user stream has not delivered yet: the account's inventory matches if it equals the
 *   engine's before or after the venue's answer;
 * - anything else that lasts less than two checks: `confirm` keeps only the differences seen in two
 *   consecutive checks (the same order id; the same inventory difference both times: two different
 *   fills in flight at two checks are not a mismatch, a missed fill leaves the same difference).
 */

/** The engine's side at one instant. */
export interface EngineAccountView {
  /** Client ids of the engine's working orders (placed, not known closed). */
  readonly workingIds: readonly string[];
  /** Engine inventory, signed lots. */
  readonly inventoryLots: number;
}

/** The venue's side at one instant. */
export interface VenueAccountView {
  /** Client ids of the open orders that carry our tag. */
  readonly ownOpenIds: readonly string[];
  /** Account inventory, signed lots (spot: base held − baseline; USDⓈ-M: position). */
  readonly inventoryLots: number;
}

/** What differs. Empty lists and a 0 inventory difference = match. */
export interface AccountDiff {
  /** Working in the engine, not open on the venue. */
  readonly onlyEngine: readonly string[];
  /** Open on the venue with our tag, unknown to the engine (orphans). */
  readonly onlyVenue: readonly string[];
  /** Engine − account inventory, lots (0 = match). */
  readonly inventoryDiffLots: number;
}

/** No difference. */
export const NO_DIFF: AccountDiff = { onlyEngine: [], onlyVenue: [], inventoryDiffLots: 0 };

/** Whether `d` holds no difference. */
export function isMatch(d: AccountDiff): boolean {
  return d.onlyEngine.length === 0 && d.onlyVenue.length === 0 && d.inventoryDiffLots === 0;
}

/**
 * One check's raw difference.
 * @param before the engine just before the venue was asked. @param after just after it answered.
 */
export function diffAccount(
  before: EngineAccountView,
  venue: VenueAccountView,
  after: EngineAccountView,
): AccountDiff {
  const venueIds = new Set(venue.ownOpenIds);
  const afterIds = new Set(after.workingIds);
  const beforeIds = new Set(before.workingIds);
  const onlyVenue = venue.ownOpenIds.filter((id) => !beforeIds.has(id) && !afterIds.has(id));
  const onlyEngine = before.workingIds.filter((id) => afterIds.has(id) && !venueIds.has(id));
  const inventoryMatches =
    venue.inventoryLots === before.inventoryLots || venue.inventoryLots === after.inventoryLots;
  return {
    onlyEngine,
    onlyVenue,
    inventoryDiffLots: inventoryMatches ? 0 : after.inventoryLots - venue.inventoryLots,
  };
}

/**
 * The differences confirmed by two consecutive checks: order ids in both, and the inventory
 * difference when it is the same (non-zero) both times.
 */
export function confirm(previous: AccountDiff, current: AccountDiff): AccountDiff {
  const prevEngine = new Set(previous.onlyEngine);
  const prevVenue = new Set(previous.onlyVenue);
  return {
    onlyEngine: current.onlyEngine.filter((id) => prevEngine.has(id)),
    onlyVenue: current.onlyVenue.filter((id) => prevVenue.has(id)),
    inventoryDiffLots:
      current.inventoryDiffLots !== 0 && previous.inventoryDiffLots === current.inventoryDiffLots
        ? current.inventoryDiffLots
        : 0,
  };
}
