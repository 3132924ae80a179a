import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from './pagination';

export enum ModelScope {
  TENANT = 'TENANT',
  GLOBAL = 'GLOBAL',
}
registerEnumType(ModelScope, {
  name: 'ModelScope',
  description:
    "TENANT: the caller's own models. GLOBAL: the platform model learnt from all tenants.",
});

export enum ModelStatus {
  CANDIDATE = 'CANDIDATE',
  ACTIVE = 'ACTIVE',
  RETIRED = 'RETIRED',
}
registerEnumType(ModelStatus, {
  name: 'ModelStatus',
  description: 'At most one ACTIVE model per scope; it is the one that scores.',
});

@ObjectType({ description: 'How an alert fared on held-out minutes it never trained on.' })
export class AlertEvaluation {
  @Field(() => Int, { description: 'Breach onsets in the held-out minutes.' })
  onsets!: number;

  @Field(() => Int, { description: 'Alerts raised (rising edges).' })
  alerts!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Share of onsets with an alert in the horizon before them.',
  })
  eventRecall!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Share of alerts followed by an onset within the horizon.',
  })
  precision!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Minutes from the first alert to the onset, median over caught onsets.',
  })
  medianLeadMinutes!: number | null;

  @Field(() => Float)
  falseAlertsPerEndpointDay!: number;
}

@ObjectType()
export class ModelAlertEvaluation extends AlertEvaluation {
  @Field(() => Float, {
    nullable: true,
    description: 'Area under the precision-recall curve of the minute scores.',
  })
  prAuc!: number | null;

  @Field(() => Float, { description: 'The alert threshold, chosen on validation data.' })
  threshold!: number;
}

@ObjectType()
export class IncumbentEvaluation {
  @Field(() => ID)
  modelId!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => ModelAlertEvaluation)
  metrics!: ModelAlertEvaluation;
}

@ObjectType({
  description:
    'The model against the SRE Workbook multi-window multi-burn-rate alert (14.4x 1h+5m, 6x 6h+30m), on the same held-out minutes.',
})
export class ModelEvaluation {
  @Field(() => ModelAlertEvaluation)
  model!: ModelAlertEvaluation;

  @Field(() => AlertEvaluation)
  burnRate!: AlertEvaluation;

  @Field()
  testFrom!: Date;

  @Field()
  testTo!: Date;

  @Field(() => IncumbentEvaluation, {
    nullable: true,
    description:
      'The model active at training time, judged on the same minutes (what automatic promotion compared).',
  })
  incumbent!: IncumbentEvaluation | null;
}

@ObjectType('Model')
export class ModelType {
  @Field(() => ID)
  id!: string;

  @Field(() => ModelScope)
  scope!: ModelScope;

  @Field(() => Int)
  version!: number;

  @Field(() => ModelStatus)
  status!: ModelStatus;

  @Field()
  kind!: string;

  @Field(() => Int, { description: 'The model forecasts a breach onset within this many minutes.' })
  horizonMinutes!: number;

  @Field(() => [String], { description: 'The features it reads, in order.' })
  featureNames!: string[];

  @Field(() => [Int])
  hiddenUnits!: number[];

  @Field(() => Float, {
    description:
      'The alert threshold, on the calibrated scale (a probability of an onset within the horizon) when the model is calibrated.',
  })
  threshold!: number;

  @Field({
    description:
      'Whether probabilities are calibrated (Platt scaling fitted on validation minutes): `probability` then means the chance of a breach onset within the horizon.',
  })
  calibrated!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      'Why the promotion gate did or did not promote this model automatically: it must beat the burn-rate alert on event F1, stay within the false-alert budget and beat the active model, all on the same held-out minutes.',
  })
  promotionDecision!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Set while the worker refuses to load this model (why: e.g. its record or artifact does not match its SHA-256); null once it loads.',
  })
  refusedReason!: string | null;

  @Field()
  trainingFrom!: Date;

  @Field()
  trainingTo!: Date;

  @Field(() => ModelEvaluation)
  evaluation!: ModelEvaluation;

  @Field(() => ID, {
    nullable: true,
    description: 'The model that was active when this one was trained.',
  })
  parentId!: string | null;

  @Field(() => ID, { nullable: true })
  trainingJobId!: string | null;

  @Field({
    description:
      'SHA-256 of the artifact and (models trained from this version on) of the whole record: threshold, normalisation, calibration, features, horizon, layers. Checked on every load.',
  })
  artifactSha256!: string;

  @Field()
  createdAt!: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'When it last became ACTIVE; cleared when that was rolled back.',
  })
  promotedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  retiredAt!: Date | null;
}

@ObjectType()
export class ModelEdge {
  @Field()
  cursor!: string;

  @Field(() => ModelType)
  node!: ModelType;
}

@ObjectType()
export class ModelConnection {
  @Field(() => [ModelEdge])
  edges!: ModelEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
