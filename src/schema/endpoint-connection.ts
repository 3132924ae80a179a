import { Field, ObjectType } from 'type-graphql';
import { EndpointType } from './endpoint.types';
import { PageInfo } from './pagination';

@ObjectType({ simpleResolvers: true })
export class EndpointEdge {
  @Field()
  cursor!: string;

  @Field(() => EndpointType)
  node!: EndpointType;
}

@ObjectType({ simpleResolvers: true })
export class EndpointConnection {
  @Field(() => [EndpointEdge])
  edges!: EndpointEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
