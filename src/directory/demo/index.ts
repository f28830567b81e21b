// The demo association: `loadDemo` and the context other modules' `demo` entries receive.
export { loadDemo, type DemoContext, type DemoCounts, type DemoExtension } from './load.ts';
