import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';
import { TextDecoder, TextEncoder } from 'util';

// findBy and waitFor give up after 1 s by default; a loaded two-core machine needs longer to open a combobox menu.
configure({ asyncUtilTimeout: 5000 });

// jsdom lacks these browser APIs that @grafana/ui touches on import or render.
Object.assign(global, { TextDecoder, TextEncoder });

Object.defineProperty(global, 'matchMedia', {
  writable: true,
  value: (query) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: jest.fn(),
    removeListener: jest.fn(),
    addEventListener: jest.fn(),
    removeEventListener: jest.fn(),
    dispatchEvent: jest.fn(),
  }),
});

// Comboboxes size themselves by measuring text on a canvas, which jsdom cannot draw: a fixed width per character
// is enough for layout code that only needs a number.
HTMLCanvasElement.prototype.getContext = function getContext() {
  return { font: '', measureText: (text) => ({ width: String(text).length * 8 }) };
};

// Combobox menus watch their own visibility; jsdom has no layout, so nothing is ever observed.
class NoLayoutObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
Object.assign(global, {
  IntersectionObserver: NoLayoutObserver,
  ResizeObserver: global.ResizeObserver ?? NoLayoutObserver,
});

// Combobox menus are virtualised lists that render only the rows fitting their height. jsdom lays nothing out, so
// every element claims a modest viewport; otherwise no option would ever be rendered.
Object.defineProperties(HTMLElement.prototype, {
  clientHeight: { configurable: true, get: () => 600 },
  clientWidth: { configurable: true, get: () => 800 },
});
