/** The one error type of the expression language (syntax, disallowed constructs and evaluation). */

export class ExpressionError extends Error {
  /** The expression source the error is about. */
  readonly source: string;
  /** 1-based column in `source` where the problem is, when known (syntax errors, references). */
  readonly column: number | undefined;
  /** The problem without the expression and position, e.g. `Expected expression after +`. */
  readonly description: string;

  constructor(description: string, source: string, column?: number) {
    super(
      column === undefined
        ? `${description} (in expression "${source}")`
        : `${description} (column ${column} of expression "${source}")`,
    );
    this.name = 'ExpressionError';
    this.source = source;
    this.column = column;
    this.description = description;
  }
}
