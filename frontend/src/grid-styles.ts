// The grid's look: tiles in columns on a wide card, a vertical list on a narrow one (a container
// query: the card's own width, not the window's, decides), the enlarged tile across the grid.
import { css } from "lit";

export const gridStyles = css`
  :host {
    container-type: inline-size;
  }
  .tiles {
    display: grid;
    grid-template-columns: repeat(var(--columns, 2), minmax(0, 1fr));
    gap: 4px;
    padding: 8px 12px 0;
  }
  .tile {
    position: relative;
    min-width: 0;
    border-radius: 4px;
    overflow: hidden;
    cursor: zoom-in;
    outline-offset: 2px;
  }
  .tile:focus-visible {
    outline: 2px solid var(--heldar-accent);
  }
  /* The enlarged tile spans the grid, first; the others stay below it, playing on. */
  .tile.large {
    grid-column: 1 / -1;
    order: -1;
    cursor: zoom-out;
  }
  .tile .screen {
    border-bottom: 3px solid var(--tile-color);
  }
  /* Takes the taps and clicks meant for the tile, not for the live picture's card inside. */
  .tap {
    position: absolute;
    inset: 0;
    z-index: 1;
  }
  .caption {
    display: flex;
    align-items: center;
    gap: 6px;
    padding: 2px 4px;
    font-size: 0.85em;
    min-width: 0;
  }
  .caption .name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .swatch {
    flex: none;
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: var(--tile-color);
  }
  .no-footage {
    position: absolute;
    inset: 0;
    padding: 0 8px;
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 12px;
    padding: 6px 12px 0;
    font-size: 0.8em;
    color: var(--secondary-text-color, #666);
  }
  .legend span {
    display: inline-flex;
    align-items: center;
    gap: 4px;
  }
  /* A phone: one camera a row, its picture beside its name; a tap shows it across the card. */
  @container (max-width: 420px) {
    .tiles {
      grid-template-columns: minmax(0, 1fr);
      padding: 8px 8px 0;
    }
    .tile:not(.large) {
      display: grid;
      grid-template-columns: 55% minmax(0, 1fr);
      align-items: center;
      gap: 8px;
    }
    .legend {
      padding: 6px 8px 0;
    }
  }
`;
