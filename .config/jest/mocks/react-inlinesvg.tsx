import React from 'react';

// Stands in for react-inlinesvg in tests: an empty svg whose test id is the icon's file name.
export default function InlineSVG({ src }: { src: string }) {
  const name = src.replace(/^.*\/([^/]+)\.svg$/, '$1');
  return <svg xmlns="http://www.w3.org/2000/svg" data-testid={name} viewBox="0 0 24 24" />;
}
