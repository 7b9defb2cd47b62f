// Public surface of the TUI area: `runTui` for the CLI, and the App and its
// props for tests. Everything else in src/tui/ is private to it.

export { runTui } from './main.ts'
export type { RunTuiOptions } from './main.ts'
export { App } from './app.ts'
export type { AppProps, ControlClientLike } from './app.ts'
export { initialState, reduce } from './state.ts'
export type { TuiState, Action } from './state.ts'
