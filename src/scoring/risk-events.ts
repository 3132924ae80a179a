/** Published when an endpoint's risk crosses its model's alert threshold, either way. */
export interface RiskChange {
  endpointId: string;
  minute: string;
  /** Null: too little data to forecast this minute. */
  probability: number | null;
  threshold: number;
  aboveThreshold: boolean;
  horizonMinutes: number;
  modelId: string;
  modelVersion: number;
}

export function riskChannel(endpointId: string): string {
  return `sentinel:risk:${endpointId}`;
}
