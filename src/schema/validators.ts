import { registerDecorator, type ValidationOptions } from 'class-validator';

/** A number strictly between `low` and `high` (class-validator's Min/Max are inclusive). */
export function InOpenInterval(low: number, high: number, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'inOpenInterval',
      target: target.constructor,
      propertyName,
      options: {
        message: `$property must be greater than ${low} and less than ${high}`,
        ...options,
      },
      validator: {
        validate: (value: unknown) => typeof value === 'number' && value > low && value < high,
      },
    });
}
