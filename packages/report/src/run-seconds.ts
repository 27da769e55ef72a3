// How a metrics sample (its own timestamp) pairs with a second of the run's timeline.

/**
 * The timeline second a metrics sample belongs to: the nearest whole second of the run. The analysis
 * pairs the samples with the timeline by it (other processes' CPU, memory against the workers) and
 * the charts draw the samples on it, so a hover label holds values of one second.
 */
export function secondOfSample(sampleSeconds: number): number {
  return Math.round(sampleSeconds);
}

/**
 * One value per second of `seconds`: the mean of the finite samples that belong to it
 * ({@link secondOfSample}), NaN where none does.
 */
export function perRunSecond(
  sampleSeconds: ArrayLike<number>,
  values: ArrayLike<number>,
  seconds: readonly number[],
): Float64Array {
  const slot = new Map(seconds.map((second, index) => [second, index]));
  const sums = new Float64Array(seconds.length);
  const counts = new Uint32Array(seconds.length);
  for (let sample = 0; sample < sampleSeconds.length; sample++) {
    const value = values[sample] as number;
    const index = slot.get(secondOfSample(sampleSeconds[sample] as number));
    if (index === undefined || !Number.isFinite(value)) continue;
    sums[index] = (sums[index] as number) + value;
    counts[index] = (counts[index] as number) + 1;
  }
  return sums.map((sum, index) =>
    (counts[index] as number) > 0 ? sum / (counts[index] as number) : Number.NaN,
  );
}
