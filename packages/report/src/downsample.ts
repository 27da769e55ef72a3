/**
 * Reduces a series to at most about `maxPoints` points without losing peaks: the samples are cut
 * into buckets and each bucket keeps its lowest and highest point, in time order. Absent values
 * (NaN) are kept as gaps (null). Short series are returned as they are.
 */
export function downsampleMinMax(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  maxPoints: number,
): { x: number[]; y: Array<number | null> } {
  const length = Math.min(x.length, y.length);
  const outX: number[] = [];
  const outY: Array<number | null> = [];
  const push = (index: number) => {
    const value = y[index] as number;
    outX.push(x[index] as number);
    outY.push(Number.isFinite(value) ? value : null);
  };
  if (length <= maxPoints) {
    for (let index = 0; index < length; index++) push(index);
    return { x: outX, y: outY };
  }
  const bucket = Math.ceil(length / Math.max(1, Math.floor(maxPoints / 2)));
  for (let start = 0; start < length; start += bucket) {
    const end = Math.min(length, start + bucket);
    let low = -1;
    let high = -1;
    for (let index = start; index < end; index++) {
      const value = y[index] as number;
      if (!Number.isFinite(value)) continue;
      if (low < 0 || value < (y[low] as number)) low = index;
      if (high < 0 || value > (y[high] as number)) high = index;
    }
    if (low < 0) {
      push(start); // a gap stays a gap
    } else if (low === high) {
      push(low);
    } else {
      push(Math.min(low, high));
      push(Math.max(low, high));
    }
  }
  return { x: outX, y: outY };
}
