// The syntax tree of a SCIM filter (RFC 7644 §3.4.2.2, Figure 1), as written: names keep the
// client's spelling; the validator resolves them against the attribute catalog.

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';

export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'];

/** `[URI ":"] ATTRNAME *1subAttr`; `text` is the path exactly as written. */
export interface AttrPath {
  text: string;
  uri?: string;
  attribute: string;
  subAttribute?: string;
}

/** A comparison value. `quoted` is false for Entra's bare words (`externalId eq jyoung`); `raw`
 *  keeps a number's spelling so a string attribute can compare against it verbatim. */
export type Literal =
  | { type: 'string'; value: string; quoted: boolean }
  | { type: 'number'; value: number; raw: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

export interface CompareNode { kind: 'compare'; path: AttrPath; op: CompareOp; value: Literal; at: number }
export interface PresentNode { kind: 'present'; path: AttrPath; at: number }
export interface AndNode { kind: 'and'; filters: FilterNode[] }
export interface OrNode { kind: 'or'; filters: FilterNode[] }
export interface NotNode { kind: 'not'; filter: FilterNode }
/**
 * `emails[type eq "work"]`, and Entra's `emails[type eq "work"].value eq "x"` where `then` is the
 * comparison on the same element. Paths inside `filter` and `then` are sub-attribute names.
 */
export interface ValuePathNode { kind: 'valuePath'; path: AttrPath; filter: FilterNode; then?: CompareNode | PresentNode; at: number }

export type FilterNode = CompareNode | PresentNode | AndNode | OrNode | NotNode | ValuePathNode;
