import { ScopedVars, TypedVariableModel } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

// A variable as a dashboard holds it: one value, several, or "All" (with or without a custom all value).
export type FakeVariable = string | string[] | { all: true; options: string[]; customAllValue?: string };

// FakeTemplateSrv follows the parts of Grafana's TemplateSrv contract the data source relies on: $name and ${name}
// are replaced; a format function receives a string for one value and an array for several; "All" hands the
// format function every option, unless a custom all value is set, which is inserted as it is; scoped variables
// (repeated panels) win over dashboard ones; unknown variables are left alone.
export class FakeTemplateSrv implements TemplateSrv {
  constructor(private readonly vars: Record<string, FakeVariable>) {}

  getVariables(): TypedVariableModel[] {
    // Only the names are read by the data source.
    return Object.keys(this.vars).map((name) => ({ name }) as unknown as TypedVariableModel);
  }

  containsTemplate(target?: string): boolean {
    return this.replace(target) !== target;
  }

  updateTimeRange(): void {}

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (target === undefined) {
      return '';
    }
    return target.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const scoped = scopedVars?.[name];
      const value: FakeVariable | undefined = scoped ? String(scoped.value) : this.vars[name];
      if (value === undefined) {
        return match;
      }
      if (typeof value === 'object' && !Array.isArray(value)) {
        if (value.customAllValue !== undefined) {
          return value.customAllValue;
        }
        return this.format(value.options, format);
      }
      return this.format(value, format);
    });
  }

  private format(value: string | string[], format?: string | Function): string {
    if (typeof format === 'function') {
      return format(value);
    }
    // Grafana's default for several values in free text is the glob format.
    return Array.isArray(value) ? (value.length > 1 ? `{${value.join(',')}}` : value.join('')) : value;
  }
}
