/**
 * The alert rule Sentinel serves, shared by serving (src/scoring/alert-state.ts) and by the
 * evaluation that picks the threshold and gates promotion, so both judge the same alerts.
 *
 * BREACH_PREDICTED fires once when risk rises to the threshold, and re-arms only when risk falls
 * below REARM_FRACTION of it, or a breach episode comes (hysteresis: risk hovering around the
 * threshold is one alert, not ten). Between the two levels an alert already raised stands.
 */
export const REARM_FRACTION = 0.5;

export interface ArmState {
  armed: boolean;
  fire: boolean;
}

/** The hysteresis, pure: the next armed state, and whether this minute fires. */
export function nextArm(
  armed: boolean,
  above: boolean,
  belowRearm: boolean,
  inEpisode: boolean,
): ArmState {
  if (inEpisode) return { armed: true, fire: false };
  if (armed && above) return { armed: false, fire: true };
  if (!armed && belowRearm) return { armed: true, fire: false };
  return { armed, fire: false };
}

/**
 * Per minute of one endpoint: whether the served alert stands (fired and not re-armed), for the
 * alert metrics. A minute without a probability (too little data) neither fires nor re-arms, as
 * in serving.
 */
export function servedAlert(
  minutes: Array<{ inEpisode: boolean; insufficient: string | null }>,
  scores: number[],
  threshold: number,
): boolean[] {
  let armed = true;
  return minutes.map((m, i) => {
    const known = !m.insufficient;
    const score = scores[i]!;
    armed = nextArm(
      armed,
      known && score >= threshold,
      known && score < threshold * REARM_FRACTION,
      m.inEpisode,
    ).armed;
    return !armed && !m.inEpisode;
  });
}
