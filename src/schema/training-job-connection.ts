import { Field, ObjectType } from 'type-graphql';
import { PageInfo } from './pagination';
import { TrainingJobType } from './training.types';

@ObjectType()
export class TrainingJobEdge {
  @Field()
  cursor!: string;

  @Field(() => TrainingJobType)
  node!: TrainingJobType;
}

@ObjectType()
export class TrainingJobConnection {
  @Field(() => [TrainingJobEdge])
  edges!: TrainingJobEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
