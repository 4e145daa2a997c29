// Getting one camera's footage out of Home Assistant: a range exported as one MP4 (heldar/export,
// waiting until the file is whole, then handed to the browser as a download), and an event's clip
// shared as a link that opens without a login until it expires (heldar/share).
import type { Span } from "./model";
import type { ExportAnswer, HomeAssistant, ShareAnswer } from "./types";
import { errorText, iso } from "./ui";

/** How long the card waits for an export to finish before giving up on downloading it. */
export const EXPORT_WAIT_MS = 10 * 60_000;
const POLL_MS = 500;

/** How long a share link may work: the choices offered (Heldar allows up to 7 days). */
export const SHARE_LIFETIMES = [
  { seconds: 3_600, label: "1 hour" },
  { seconds: 86_400, label: "1 day" },
  { seconds: 7 * 86_400, label: "7 days" },
] as const;

/** Where sharing one event stands: the link being made, made (until `expires`, epoch ms), or refused. */
export type ShareState =
  | { state: "asking" }
  | { state: "shared"; url: string; expires: number }
  | { state: "failed"; error: string };

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

/** Fires "change" when an export's busy, message or error change, or a share's state. */
export class ExportController extends EventTarget {
  busy = false;
  /** What the export is doing or did ("Exporting 40 s…", "Exported 40 s."). */
  message = "";
  error = "";
  /** Sharing, by event id: a pop-up closed and opened again shows its event's link. */
  readonly shares = new Map<string, ShareState>();

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

  /** Make a link to an event's clip that works for `seconds`; once per event at a time. */
  async share(eventId: string, seconds: number): Promise<void> {
    const hass = this.options.hass();
    if (!hass || this.shares.get(eventId)?.state === "asking") return;
    this.setShare(eventId, { state: "asking" });
    try {
      const answer = await hass.callWS<ShareAnswer>({
        type: "heldar/share",
        camera: this.options.camera,
        event_id: eventId,
        expires_in: seconds,
      });
      this.setShare(eventId, { state: "shared", url: answer.url, expires: Date.parse(answer.expires) });
    } catch (err) {
      this.setShare(eventId, { state: "failed", error: errorText(err) });
    }
  }

  private setShare(eventId: string, state: ShareState): void {
    this.shares.set(eventId, state);
    this.dispatchEvent(new Event("change"));
  }

  private set(state: Partial<Pick<ExportController, "busy" | "message" | "error">>): void {
    Object.assign(this, state);
    this.dispatchEvent(new Event("change"));
  }
}
