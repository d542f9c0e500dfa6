import { ArrayMaxSize, ArrayMinSize, Length } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { RecipientRole } from '../../kit/recipient-role';

@InputType()
export class AddSubProcessorInput {
  @Field()
  @Length(1, 200)
  name: string;

  @Field()
  @Length(1, 500)
  purpose: string;

  @Field({ description: 'Where it processes the data, e.g. "EU (Ireland)".' })
  @Length(1, 100)
  location: string;

  @Field(() => [String])
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @Length(1, 60, { each: true })
  dataCategories: string[];

  @Field(() => RecipientRole)
  role: RecipientRole;
}
