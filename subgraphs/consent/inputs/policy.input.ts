import { IsDate, Length, Matches } from 'class-validator';
import { Field, InputType } from 'type-graphql';

@InputType()
export class PublishPolicyInput {
  @Field({ description: 'Version label, unique, e.g. "2026-11".' })
  @Matches(/^[\w.-]{1,40}$/, { message: 'must be 1-40 letters, digits, dots, dashes or underscores' })
  version: string;

  @Field({ description: 'When it takes effect; a material change needs the full notice period after publication.' })
  @IsDate()
  effectiveAt: Date;

  @Field()
  @Length(1, 5000)
  summary: string;

  @Field({ description: 'Material: changes what is done with data; needs advance notice and renewed consent.' })
  material: boolean;
}
