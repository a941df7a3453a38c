/** A share in 0..1, or null for an empty denominator: "no reads" must not read as "100 % available". */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}
