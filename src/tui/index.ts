// Public surface of the TUI area: `runTui` for the CLI, and the App and its
// props for tests. The other entry point is live.ts (the Ink views of
// `ferry send` and `ferry pair` on a terminal), which the CLI imports on its
// own so that `ferry tui`'s App is not loaded for them. Everything else in
// src/tui/ is private to it.

export { runTui } from './main.ts'
export type { RunTuiOptions } from './main.ts'
export { App } from './app.ts'
export type { AppProps, ControlClientLike } from './app.ts'
export { initialState, reduce } from './state.ts'
export type { TuiState, Action } from './state.ts'
