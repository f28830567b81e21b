// The demo association: `loadDemo` and the extension point other modules register with.
export { demoExtensions, loadDemo, type DemoContext, type DemoCounts, type DemoExtension } from './load.ts';
