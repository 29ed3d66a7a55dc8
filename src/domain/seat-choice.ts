// Which seat type a member should get (SPEC §4.2), as pure functions over the plan's ordered
// seat types. The gate in services/ tries the candidates in order against the database.

/** A group mapping (or Entra app-role rule) that applies to a member. */
export interface MappingMatch {
  mappingId: string;       // group mapping id, or `role:<value>` for an app-role rule
  seatType: string;
  allowFallback: boolean;
  /** The role a group mapping grants (admin or member at most), if any. */
  role?: string | null;
}

export type SeatTarget =
  | { kind: 'mapped'; seatType: string; mappingIds: string[]; allowFallback: boolean }
  | { kind: 'highest_available' }
  | { kind: 'explicit'; seatType: string };

/** Why a member holds the seat it holds (shown to admins). */
export type SeatReasonKind = 'mapping' | 'fallback' | 'highest_available' | 'admin';

export interface Candidate {
  seatType: string;
  reason: SeatReasonKind;
}

/**
 * The target: the highest seat type among the mappings that apply (SPEC §4.2.1); with none,
 * the highest type of the plan that has a free seat (§4.2.2). Mappings for types the plan does
 * not have (left over from a plan change) are ignored.
 */
export function targetFor(seatTypes: readonly string[], matches: readonly MappingMatch[]): SeatTarget {
  const valid = matches.filter((m) => seatTypes.includes(m.seatType));
  if (valid.length === 0) return { kind: 'highest_available' };
  const best = Math.min(...valid.map((m) => seatTypes.indexOf(m.seatType)));
  const top = valid.filter((m) => seatTypes.indexOf(m.seatType) === best);
  return {
    kind: 'mapped',
    seatType: seatTypes[best]!,
    mappingIds: top.map((m) => m.mappingId).sort(),
    allowFallback: top.some((m) => m.allowFallback),
  };
}

/**
 * Seat types to try, in order. A mapped target falls back to lower types only when a mapping
 * allows it (§4.2.3); otherwise the gate refuses when the mapped type is full.
 */
export function candidatesFor(seatTypes: readonly string[], target: SeatTarget): Candidate[] {
  switch (target.kind) {
    case 'highest_available':
      return seatTypes.map((seatType) => ({ seatType, reason: 'highest_available' }));
    case 'explicit':
      return [{ seatType: target.seatType, reason: 'admin' }];
    case 'mapped': {
      const rank = seatTypes.indexOf(target.seatType);
      const lower = target.allowFallback ? seatTypes.slice(rank + 1) : [];
      return [
        { seatType: target.seatType, reason: 'mapping' },
        ...lower.map((seatType) => ({ seatType, reason: 'fallback' as const })),
      ];
    }
  }
}

/** Negative when `a` is a higher seat type than `b`. */
export function compareSeatTypes(seatTypes: readonly string[], a: string, b: string): number {
  return seatTypes.indexOf(a) - seatTypes.indexOf(b);
}

/** The seat types a refusal names: what the member could have had, none of it free. */
export function exhaustedTypes(candidates: readonly Candidate[]): string[] {
  return candidates.map((c) => c.seatType);
}

export function refusalMessage(exhausted: readonly string[]): string {
  const types = exhausted.length === 1 ? `"${exhausted[0]}" seat` : `seat of type ${exhausted.map((t) => `"${t}"`).join(' or ')}`;
  return `No ${types} is free in this organization: every seat is assigned. An owner must buy seats (or free one) before this user can be given access.`;
}
