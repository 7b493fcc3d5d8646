// The widget's look, adopted by its shadow root as a constructable stylesheet: nothing is written
// into the host page, and a host CSP without 'unsafe-inline' for styles has nothing to refuse.

export const WIDGET_CSS = `
:host { all: initial; display: block; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; }
:host([data-placement="floating"]) { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; max-width: calc(100vw - 32px); display: flex; flex-direction: column-reverse; align-items: flex-end; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.panel { background: #fff; border: 1px solid #8a8a8a; border-radius: 8px; padding: 12px 14px; width: 22rem; max-width: 100%; }
:host([data-placement="floating"]) .panel { margin-bottom: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.18); }
fieldset { border: 0; margin: 0 0 10px; padding: 0; min-width: 0; }
legend { font-weight: 600; padding: 0; margin-bottom: 6px; }
.scale { display: flex; flex-wrap: wrap; gap: 6px; }
.choice { display: inline-flex; align-items: center; gap: 4px; padding: 4px 8px; border: 1px solid #8a8a8a; border-radius: 6px; cursor: pointer; }
.choice:has(input:checked) { border-color: #1d4ed8; background: #e8eefc; }
input[type="radio"] { margin: 0; accent-color: #1d4ed8; }
label.comment { display: block; margin-bottom: 4px; }
textarea { display: block; width: 100%; font: inherit; color: inherit; border: 1px solid #6b6b6b; border-radius: 6px; padding: 6px; resize: vertical; }
button { font: inherit; cursor: pointer; border-radius: 6px; padding: 6px 14px; border: 1px solid #1d4ed8; background: #1d4ed8; color: #fff; }
.actions { display: flex; align-items: center; gap: 10px; margin-top: 10px; }
:focus-visible { outline: 2px solid #1d4ed8; outline-offset: 2px; }
.status { margin: 8px 0 0; min-height: 1.4em; }
.status[data-tone="pending"] { color: #7a4b00; }
.status[data-tone="sent"] { color: #15632f; }
.error { margin: 8px 0 0; color: #b3261e; }
`;
