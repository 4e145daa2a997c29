// The card's look: HA's theme variables, and a layout that fits 360 px.
import { css } from "lit";

/** Buttons, lists, rows of controls and messages, as every part of the card draws them. */
export const controlStyles = css`
  :host {
    display: block;
    --heldar-span: var(--success-color, #43a047);
    --heldar-activity: var(--purple-color, #926bc7);
    --heldar-gap: var(--secondary-background-color, #e0e0e0);
    --heldar-event: var(--warning-color, #ffa000);
    --heldar-accent: var(--primary-color, #03a9f4);
  }
  [hidden] {
    display: none !important;
  }
  button {
    font: inherit;
    font-size: 0.85em;
    min-height: 32px;
    padding: 4px 10px;
    border-radius: 16px;
    border: 1px solid var(--divider-color, #ccc);
    background: var(--card-background-color, #fff);
    color: var(--primary-text-color, #222);
    cursor: pointer;
    touch-action: manipulation;
  }
  button[aria-pressed="true"] {
    background: var(--heldar-accent);
    border-color: var(--heldar-accent);
    color: var(--text-primary-color, #fff);
  }
  button:disabled {
    opacity: 0.45;
    cursor: default;
  }
  select,
  input {
    font: inherit;
    font-size: 0.85em;
    min-height: 32px;
    border-radius: 16px;
    padding: 0 6px;
    background: var(--card-background-color, #fff);
    color: var(--primary-text-color, #222);
    border: 1px solid var(--divider-color, #ccc);
    box-sizing: border-box;
  }
  ha-icon {
    --mdc-icon-size: 18px;
  }
  .bar {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    padding: 6px 12px;
    align-items: center;
  }
  .bar .grow {
    flex: 1 1 auto;
  }
  .message {
    padding: 4px 12px;
    font-size: 0.85em;
    color: var(--secondary-text-color, #666);
  }
  .message.notice {
    color: var(--primary-text-color, #222);
  }
  .message.error {
    color: var(--error-color, #db4437);
  }
  @media (max-width: 420px) {
    .bar {
      gap: 4px;
      padding: 6px 8px;
    }
    button {
      padding: 4px 8px;
    }
  }
`;

/** The picture: recordings, the live view, its badge and placeholders. */
export const screenStyles = css`
  .screen {
    position: relative;
    background: #000;
    aspect-ratio: 16 / 9;
    overflow: hidden;
  }
  .screen video,
  .screen img,
  .live {
    width: 100%;
    height: 100%;
    object-fit: contain;
    display: block;
  }
  .badge {
    position: absolute;
    top: 6px;
    left: 6px;
    background: rgba(0, 0, 0, 0.6);
    color: #fff;
    font-size: 0.8em;
    padding: 2px 6px;
    border-radius: 4px;
    pointer-events: none;
  }
  .none {
    color: #bbb;
    display: flex;
    align-items: center;
    justify-content: center;
    height: 100%;
    font-size: 0.9em;
    text-align: center;
  }
  .placeholder {
    padding: 0 12px;
  }
`;

/** One camera's panel: its head (name, state, switches) above the picture. */
export const panelStyles = css`
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    padding: 8px 12px 4px;
  }
  .name {
    font-weight: 500;
    flex: 1 1 auto;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .state {
    font-size: 0.85em;
    padding: 2px 8px;
    border-radius: 10px;
    background: var(--heldar-gap);
  }
  .state.recording {
    background: var(--error-color, #db4437);
    color: #fff;
  }
  .screen heldar-live-picture {
    height: 100%;
  }
`;

/** The timeline bar: lanes of footage, selection, playhead, cursor, ticks. */
export const barStyles = css`
  .timeline {
    position: relative;
    margin: 4px 12px 0;
    user-select: none;
    -webkit-user-select: none;
  }
  .track {
    position: relative;
    height: 36px;
    border-radius: 4px;
    background: var(--heldar-gap);
    overflow: hidden;
    touch-action: none;
    cursor: crosshair;
  }
  /* Several cameras: one lane each, at least 6 px high. */
  .track.lanes {
    display: flex;
    flex-direction: column;
    gap: 1px;
    height: max(36px, calc(var(--lanes) * 7px));
  }
  .lane {
    position: relative;
    flex: 1 1 0;
  }
  .span {
    position: absolute;
    top: 0;
    bottom: 0;
    background: var(--heldar-span);
    min-width: 1px;
  }
  /* Activity: a thin band under the bar where the camera saw something (one camera), or along the
     bottom of each camera's lane (several). */
  .activity-strip {
    position: relative;
    height: 6px;
    margin-top: 2px;
    border-radius: 2px;
    overflow: hidden;
  }
  .lane .activity-strip {
    position: absolute;
    left: 0;
    right: 0;
    bottom: 0;
    height: 2px;
    margin: 0;
    pointer-events: none;
  }
  .active {
    position: absolute;
    top: 0;
    bottom: 0;
    background: var(--heldar-activity);
  }
  .gap {
    position: absolute;
    top: 0;
    bottom: 0;
    background: repeating-linear-gradient(45deg, transparent 0 4px, rgba(0, 0, 0, 0.12) 4px 8px);
  }
  .selection {
    position: absolute;
    top: 0;
    bottom: 0;
    background: rgba(3, 169, 244, 0.35);
    border-left: 2px solid var(--heldar-accent);
    border-right: 2px solid var(--heldar-accent);
    pointer-events: none;
  }
  .playhead,
  .cursor {
    position: absolute;
    top: 0;
    bottom: 0;
    width: 2px;
    margin-left: -1px;
    pointer-events: none;
  }
  .playhead {
    background: var(--error-color, #db4437);
  }
  .cursor {
    background: var(--primary-text-color, #222);
    opacity: 0.6;
  }
  .ticks {
    position: relative;
    height: 18px;
    font-size: 0.7em;
    color: var(--secondary-text-color, #666);
    overflow: hidden;
  }
  .tick {
    position: absolute;
    top: 0;
    transform: translateX(-50%);
    white-space: nowrap;
  }
  .tick.major {
    font-weight: 600;
    color: var(--primary-text-color, #222);
  }
  .readout {
    font-variant-numeric: tabular-nums;
    font-size: 0.85em;
  }
  @media (max-width: 420px) {
    .timeline {
      margin: 4px 8px 0;
    }
  }
`;

/** The event strip above the track: the events' marks and the open one's pop-up. */
export const stripStyles = css`
  :host {
    display: block;
    position: relative;
  }
  .events {
    position: relative;
    height: 20px;
    /* Wide hit areas stop at the track's ends (the pop-up above still shows). */
    overflow-x: clip;
  }
  .event {
    position: absolute;
    top: 2px;
    height: 16px;
    min-width: 6px;
    margin-left: -3px;
    border-radius: 3px;
    background: var(--heldar-event);
    cursor: pointer;
  }
  /* The part that takes the pointer: wider than the bar, so a narrow event can be hit. */
  .event::before {
    content: "";
    position: absolute;
    top: -6px;
    bottom: -4px;
    left: 50%;
    width: max(100%, 24px);
    transform: translateX(-50%);
  }
  .event.open,
  .event:focus-visible {
    outline: 2px solid var(--primary-text-color, #222);
    outline-offset: 1px;
  }
  @media (pointer: coarse), (any-pointer: coarse) {
    .events {
      height: 28px;
    }
    .event {
      height: 24px;
    }
    /* At least as wide as a finger. */
    .event::before {
      top: -10px;
      width: max(100%, 44px);
    }
  }
  .popup {
    position: absolute;
    bottom: 100%;
    z-index: 2;
    width: 200px;
    transform: translateX(-50%);
    background: var(--card-background-color, #fff);
    border: 1px solid var(--divider-color, #ccc);
    border-radius: 6px;
    padding: 6px;
    font-size: 0.8em;
    box-shadow: 0 2px 6px rgba(0, 0, 0, 0.3);
  }
  .popup .close-popup {
    float: right;
    min-height: 0;
    padding: 0 6px;
    line-height: 1.4;
    margin: 0 0 4px 4px;
  }
  .popup .play-event {
    width: 100%;
    box-sizing: border-box;
    min-height: 36px;
  }
  .popup img {
    width: 100%;
    display: block;
    border-radius: 4px;
    margin-bottom: 4px;
  }
`;
