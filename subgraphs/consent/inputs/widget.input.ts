import { IsOptional, Length, Matches } from 'class-validator';
import { Field, InputType } from 'type-graphql';

export const VISITOR_ID = /^[A-Za-z0-9_-]{8,64}$/;
const VISITOR_ID_MESSAGE = 'must be 8-64 letters, digits, dashes or underscores';

@InputType({ description: 'A visitor’s cookie choices; strictly necessary cookies are always on.' })
export class CookieChoicesInput {
  @Field()
  functional: boolean;

  @Field()
  analytics: boolean;

  @Field()
  advertising: boolean;
}

@InputType()
export class RecordCookieConsentInput {
  @Field({ description: 'The widget’s visitor id (a first-party cookie).' })
  @Matches(VISITOR_ID, { message: VISITOR_ID_MESSAGE })
  visitorId: string;

  @Field(() => CookieChoicesInput)
  choices: CookieChoicesInput;

  @Field(() => String, { nullable: true, description: 'Page the choice was made on.' })
  @IsOptional()
  @Length(1, 500)
  page?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 400)
  userAgent?: string | null;
}

export { VISITOR_ID_MESSAGE };
