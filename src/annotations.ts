import { AnnotationEventFieldSource, AnnotationQuery, AnnotationSupport } from '@grafana/data';

import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { withQueryType } from './queryTypes';
import { ANNOTATIONS_QUERY_TYPE, CIRadarQuery } from './types';

// prepareAnnotation makes every stored annotation an `annotations` query, and maps the backend's snake_case
// time_end field to Grafana's timeEnd, which the standard frame-to-event mapping would otherwise not find.
export function prepareAnnotation(json: AnnotationQuery<CIRadarQuery>): AnnotationQuery<CIRadarQuery> {
  const target = json.target?.queryType === ANNOTATIONS_QUERY_TYPE ? json.target : undefined;
  return {
    ...json,
    target: target ?? withQueryType({ refId: json.target?.refId ?? 'Anno' }, ANNOTATIONS_QUERY_TYPE),
    mappings: {
      timeEnd: { source: AnnotationEventFieldSource.Field, value: 'time_end' },
      ...json.mappings,
    },
  };
}

export const annotationSupport: AnnotationSupport<CIRadarQuery> = {
  prepareAnnotation,
  QueryEditor: AnnotationQueryEditor,
};
