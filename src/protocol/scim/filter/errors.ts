// The typed errors of list queries. The SCIM interface maps them to a 400 SCIM error body with
// their `scimType`; nothing here knows about HTTP beyond the status a client should receive.

/** RFC 7644 §3.12: invalidFilter — "The specified filter syntax was invalid (does not comply with
 *  Figure 1), or the specified attribute and filter comparison combination is not supported." */
export class ScimFilterError extends Error {
  readonly status = 400;
  readonly scimType = 'invalidFilter';

  /** `position` is the 0-based offset in the filter text the problem was found at, if any. */
  constructor(message: string, readonly position?: number) {
    super(message);
    this.name = 'ScimFilterError';
  }
}

/** A sortBy that names no sortable attribute. RFC 7644 §3.4.2.3 names no error for it; §3.12's
 *  invalidValue ("the value specified was not compatible with the operation or attribute type")
 *  fits a query parameter whose value cannot be used, where invalidFilter would point the client
 *  at the wrong parameter. */
export class ScimSortError extends Error {
  readonly status = 400;
  readonly scimType = 'invalidValue';

  constructor(message: string) {
    super(message);
    this.name = 'ScimSortError';
  }
}
