// The Lovelace card: one review panel per configured Heldar camera, stacked.
import { LitElement, css, html, nothing, type TemplateResult } from "lit";
import type { CameraInfo, CamerasAnswer, CardConfig, HomeAssistant } from "./types";

export const CARD_TYPE = "heldar-timeline-card";
export const DEFAULT_HOURS = 24;

/** The cameras a config asks for, in its order; every camera when it names none. */
export function selectCameras(all: CameraInfo[], wanted: string[] | undefined): CameraInfo[] {
  if (!wanted?.length) return all;
  return wanted.flatMap((id) => all.filter((camera) => camera.camera === id));
}

export class HeldarTimelineCard extends LitElement {
  static override properties = {
    hass: { attribute: false },
    _config: { state: true },
    _answer: { state: true },
    _error: { state: true },
  };

  static override styles = css`
    heldar-camera-timeline + heldar-camera-timeline {
      border-top: 1px solid var(--divider-color, #ddd);
      margin-top: 8px;
    }
    .title {
      padding: 12px 12px 0;
      font-size: 1.2em;
    }
    .empty {
      padding: 16px;
    }
  `;

  hass?: HomeAssistant;
  private _config: CardConfig = { type: `custom:${CARD_TYPE}` };
  private _answer: CamerasAnswer | null = null;
  private _error = "";
  private _asked = false;

  static getConfigElement(): HTMLElement {
    return document.createElement(`${CARD_TYPE}-editor`);
  }

  static getStubConfig(): CardConfig {
    return { type: `custom:${CARD_TYPE}`, cameras: [], hours: DEFAULT_HOURS };
  }

  setConfig(config: CardConfig): void {
    if (config.cameras !== undefined && !Array.isArray(config.cameras)) throw new Error("cameras must be a list");
    if (config.hours !== undefined && !(typeof config.hours === "number" && config.hours > 0)) {
      throw new Error("hours must be a positive number");
    }
    this._config = { ...config };
  }

  getCardSize(): number {
    return 8 * Math.max(1, this._config.cameras?.length ?? 1);
  }

  getGridOptions(): Record<string, number> {
    return { columns: 12, min_columns: 6, rows: 8, min_rows: 6 };
  }

  protected override willUpdate(): void {
    if (this.hass && !this._asked) {
      this._asked = true;
      this.hass
        .callWS<CamerasAnswer>({ type: "heldar/cameras" })
        .then((answer) => (this._answer = answer))
        .catch((err: unknown) => {
          this._asked = false;
          this._error = err instanceof Error ? err.message : JSON.stringify(err);
        });
    }
  }

  protected override render(): TemplateResult {
    const answer = this._answer;
    const cameras = answer ? selectCameras(answer.cameras, this._config.cameras) : [];
    return html`<ha-card>
      ${this._config.title ? html`<div class="title">${this._config.title}</div>` : nothing}
      ${this._error ? html`<div class="empty">Heldar: ${this._error}</div>` : nothing}
      ${answer && !cameras.length ? html`<div class="empty">No Heldar camera to show.</div>` : nothing}
      ${cameras.map(
        (camera) =>
          html`<heldar-camera-timeline
            .hass=${this.hass}
            .camera=${camera}
            .timeZone=${answer?.time_zone ?? "UTC"}
            .hours=${this._config.hours ?? DEFAULT_HOURS}
            data-camera=${camera.camera}
          ></heldar-camera-timeline>`,
      )}
    </ha-card>`;
  }
}
