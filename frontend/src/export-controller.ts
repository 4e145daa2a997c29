// Exporting a range of one camera as one MP4: heldar/export, waiting until the file is whole,
// then handing it to the browser as a download.
import type { Span } from "./model";
import type { ExportAnswer, HomeAssistant } from "./types";
import { errorText, iso } from "./ui";

/** How long the card waits for an export to finish before giving up on downloading it. */
export const EXPORT_WAIT_MS = 10 * 60_000;
const POLL_MS = 500;

/** Resolve once url answers (the file exists); 404 means not yet. */
async function whenReady(url: string, timeoutMs: number, pollMs = POLL_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { Range: "bytes=0-0" }, cache: "no-store", signal: controller.signal });
    controller.abort(); // only the status matters, not the body
    if (response.ok) return;
    if (response.status !== 404) throw new Error(`The download failed (HTTP ${response.status}).`);
    if (Date.now() > deadline) throw new Error("The export did not finish in time.");
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Hand a finished file to the browser's downloads. */
function saveLink(url: string, name: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
}

export interface ExportOptions {
  hass: () => HomeAssistant | undefined;
  camera: string;
  save?: (url: string, name: string) => void;
  waitMs?: number;
  pollMs?: number;
}

/** Fires "change" when busy, message or error change. */
export class ExportController extends EventTarget {
  busy = false;
  /** What the export is doing or did ("Exporting 40 s…", "Exported 40 s."). */
  message = "";
  error = "";

  constructor(private readonly options: ExportOptions) {
    super();
  }

  /** Export `range` and download it once the file is whole. */
  async download(range: Span): Promise<void> {
    const hass = this.options.hass();
    if (!hass || this.busy) return;
    this.set({ busy: true, error: "", message: "Exporting…" });
    try {
      const answer = await hass.callWS<ExportAnswer>({
        type: "heldar/export",
        camera: this.options.camera,
        start: iso(range.start),
        end: iso(range.end),
      });
      const gaps = answer.gaps.length ? `, ${answer.gaps.length} gap(s) inside` : "";
      this.set({ message: `Exporting ${Math.round(answer.seconds)} s${gaps}…` });
      // The export runs in the background and appears, whole, when it is done.
      await whenReady(answer.url, this.options.waitMs ?? EXPORT_WAIT_MS, this.options.pollMs);
      this.set({ message: `Exported ${Math.round(answer.seconds)} s${gaps}.` });
      (this.options.save ?? saveLink)(answer.url, answer.path.split("/").pop() ?? "heldar.mp4");
    } catch (err) {
      this.set({ message: "", error: errorText(err) });
    } finally {
      this.set({ busy: false });
    }
  }

  private set(state: Partial<Pick<ExportController, "busy" | "message" | "error">>): void {
    Object.assign(this, state);
    this.dispatchEvent(new Event("change"));
  }
}
