import { AnnotationEventFieldSource, AnnotationQuery } from '@grafana/data';

import { prepareAnnotation } from './annotations';
import { CIRadarQuery } from './types';

describe('prepareAnnotation', () => {
  const base: AnnotationQuery<CIRadarQuery> = { name: 'Failures', enable: true, iconColor: 'red' };

  const cases: Array<{ name: string; anno: AnnotationQuery<CIRadarQuery>; target: CIRadarQuery }> = [
    {
      name: 'a new annotation gets a failed_runs query',
      anno: base,
      target: { refId: 'Anno', queryType: 'annotations', source: 'failed_runs' },
    },
    {
      name: 'a stored annotation query is kept',
      anno: { ...base, target: { refId: 'X', queryType: 'annotations', source: 'incidents' } },
      target: { refId: 'X', queryType: 'annotations', source: 'incidents' },
    },
    {
      name: 'a panel query pasted into an annotation becomes an annotation query',
      anno: { ...base, target: { refId: 'Y', queryType: 'jobs', limit: 3 } },
      target: { refId: 'Y', queryType: 'annotations', source: 'failed_runs' },
    },
  ];

  it.each(cases)('$name', ({ anno, target }) => {
    expect(prepareAnnotation(anno).target).toEqual(target);
  });

  it('maps the time_end field to the region end', () => {
    expect(prepareAnnotation(base).mappings?.timeEnd).toEqual({
      source: AnnotationEventFieldSource.Field,
      value: 'time_end',
    });
  });

  it('lets mappings the user set win', () => {
    const mappings = { timeEnd: { source: AnnotationEventFieldSource.Skip } };
    expect(prepareAnnotation({ ...base, mappings }).mappings?.timeEnd).toEqual(mappings.timeEnd);
  });
});
