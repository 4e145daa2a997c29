"""Heldar's recordings in Home Assistant's media browser.

Heldar -> camera -> day (local date, newest first) -> the day's events (with their reasons and
a thumbnail) and its hours of footage -> segments. Items resolve to the authenticated
recordings view, which streams with range support. Everything is built from the in-memory
index, so browsing a day of 1 440 segments reads no disk.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
import time

from homeassistant.components.media_player import BrowseError, MediaClass
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from . import access, activity_view, camera_ref, footage, tokens
from .camera_ref import CameraKey, CameraRef
from .const import DOMAIN
from .hls import MIME_HLS_PLAYER
from .media_id import MediaId, MediaKind, event_media_id
from .media_titles import activity_note, day_title, stream_note, tile_title
from .recorder.activity_levels import ActivityLevels
from .recorder.events import Event
from .recorder.index import SegmentInfo
from .recorder.store import CameraStore
from .review_views import PLAYLIST_URL
from .segment_thumbnails import segment_thumbnail_url
from .texts import reason_text
from .views import RECORDING_URL, THUMBNAIL_URL

VIDEO_MP4 = "video/mp4"
TITLE = "Heldar"
# An hour with more segments than this lists five-minute stretches instead.
SHORT_LIST = 30
CHAPTER_SECONDS = 300


async def async_get_media_source(hass: HomeAssistant) -> HeldarMediaSource:
    """Return Heldar's media source."""
    return HeldarMediaSource(hass)


def _local(timestamp: float) -> datetime:
    return dt_util.as_local(dt_util.utc_from_timestamp(timestamp))


class HeldarMediaSource(MediaSource):
    """Browse and play Heldar's recordings."""

    name = TITLE

    def __init__(self, hass: HomeAssistant) -> None:
        """Set up the source."""
        super().__init__(DOMAIN)
        self.hass = hass

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """Return the URL of a clip or a segment."""
        media = MediaId.parse(item.identifier)
        ref = self._camera(media.folder) if media else None
        if media is None or ref is None or media.kind is None:
            raise _unknown(Unresolvable, item.identifier)
        kind, key, store = media.kind, media.key, ref.store
        if kind in {MediaKind.HOUR, MediaKind.RANGE}:
            return self._resolve_footage(ref, kind, key, item.identifier)
        relative: str | None = None
        if kind is MediaKind.EVENT and (event := store.events.get(key)) is not None:
            relative = event.clip
        elif kind is MediaKind.SEGMENT and store.index.get(key) is not None:
            relative = key
        if relative is None:
            raise _unknown(Unresolvable, item.identifier)
        return PlayMedia(RECORDING_URL.format(camera=ref.folder, path=relative), VIDEO_MP4)

    def _resolve_footage(self, ref: CameraRef, kind: MediaKind, key: str, ident: str) -> PlayMedia:
        """Return an HLS playlist that plays an hour (or a stretch) as one video."""
        try:
            start, end = MediaId(ref.folder, kind, key).span()
        except ValueError as err:
            raise _unknown(Unresolvable, ident) from err
        if not footage.pieces(ref.handle, start, end, time.time()):
            raise _unknown(Unresolvable, ident)
        token = tokens.issue(self.hass, ref.subentry_id, start, end, tokens.requester(self.hass))
        return PlayMedia(PLAYLIST_URL.format(token=token), MIME_HLS_PLAYER)

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Return the node ``item.identifier`` names."""
        if not item.identifier:
            return self._root(self._cameras())
        media = MediaId.parse(item.identifier)
        ref = self._camera(media.folder) if media else None
        if media is None or ref is None:
            raise _unknown(BrowseError, item.identifier)
        store = ref.store
        if media.kind is None:
            return self._camera_node(store)
        if media.kind is MediaKind.DAY:
            day = _parse_day(media.key)
            start = datetime(day.year, day.month, day.day, tzinfo=dt_util.get_default_time_zone())
            # A day of a DST change is 23 or 25 hours: read 25, the hours pick theirs.
            levels = await activity_view.async_load(
                self.hass, store, start.timestamp(), start.timestamp() + 25 * 3600
            )
            return self._day(store, day, levels)
        if media.kind is MediaKind.HOUR:
            return self._hour(store, media.key)
        raise _unknown(BrowseError, item.identifier)

    def _cameras(self) -> list[CameraStore]:
        """Return the camera folders the asking user may see (all, when no user asks).

        One per folder: of two cameras set to one folder, the one recording there.
        """
        return [
            ref.store
            for ref in access.visible(self.hass, camera_ref.every(self.hass))
            if camera_ref.find(self.hass, ref.folder, CameraKey.FOLDER) == ref
        ]

    def _camera(self, folder: str) -> CameraRef | None:
        """Return the camera a media id names by its folder, if the asking user may see it."""
        ref = camera_ref.find(self.hass, folder, CameraKey.FOLDER)
        return next(iter(access.visible(self.hass, [ref])), None) if ref is not None else None

    # -- nodes ------------------------------------------------------------------------------

    def _root(self, stores: list[CameraStore]) -> BrowseMediaSource:
        return _folder(
            None,
            TITLE,
            [
                _folder(MediaId(store.camera_id), store.name, children_class=MediaClass.DIRECTORY)
                for store in sorted(stores, key=lambda s: s.name.lower())
            ],
            children_class=MediaClass.DIRECTORY,
        )

    def _camera_node(self, store: CameraStore) -> BrowseMediaSource:
        days = {_local(s.start).date() for s in store.index.segments}
        days |= {_local(e.start).date() for e in store.finished_events()}
        children = [
            _folder(MediaId(store.camera_id, MediaKind.DAY, day.isoformat()), day_title(day))
            for day in sorted(days, reverse=True)
        ]
        return _folder(
            MediaId(store.camera_id), store.name, children, children_class=MediaClass.DIRECTORY
        )

    def _day(self, store: CameraStore, day: date, levels: ActivityLevels) -> BrowseMediaSource:
        children = [
            self._event_item(store, event)
            for event in reversed(store.finished_events())
            if event.clip and _local(event.start).date() == day
        ]
        hours: dict[int, list[SegmentInfo]] = defaultdict(list)
        for segment in store.index.segments:
            moment = _local(segment.start)
            if moment.date() == day:
                hours[moment.hour].append(segment)
        threshold = store.limits.activity_threshold
        active = [_local(at) for at in activity_view.active_stretches(levels, threshold)]
        for hour in sorted(hours, reverse=True):
            marks = activity_note(at for at in active if at.date() == day and at.hour == hour)
            node = _folder(
                MediaId(store.camera_id, MediaKind.HOUR, f"{day.isoformat()}T{hour:02d}"),
                tile_title(f"{hour:02d}:00-{(hour + 1) % 24:02d}:00{marks}", store, day),
                children_class=MediaClass.VIDEO,
            )
            node.can_play = True
            node.media_class = MediaClass.VIDEO
            node.media_content_type = MIME_HLS_PLAYER
            node.thumbnail = segment_thumbnail_url(store.camera_id, hours[hour][0].name)
            children.append(node)
        title = f"{store.name}: {day_title(day)}"
        return _folder(MediaId(store.camera_id, MediaKind.DAY, day.isoformat()), title, children)

    def _hour(self, store: CameraStore, key: str) -> BrowseMediaSource:
        try:
            start, end = MediaId(store.camera_id, MediaKind.HOUR, key).span()
        except ValueError as err:
            raise _unknown(BrowseError, key) from err
        moment = _local(start)
        segments = store.index.between(start, end)
        children = [
            _playable(
                MediaId(store.camera_id, MediaKind.HOUR, key),
                tile_title(
                    f"{moment:%H}:00-{_local(end):%H}:00 (whole hour)", store, moment.date()
                ),
                MIME_HLS_PLAYER,
                segment_thumbnail_url(store.camera_id, segments[0].name) if segments else None,
            )
        ]
        if len(segments) <= SHORT_LIST:
            for segment in reversed(segments):
                at = _local(segment.start)
                children.append(
                    _playable(
                        MediaId(store.camera_id, MediaKind.SEGMENT, segment.name),
                        tile_title(f"{at:%H:%M:%S}{stream_note(segment.stream)}", store, at.date()),
                        VIDEO_MP4,
                        segment_thumbnail_url(store.camera_id, segment.name),
                    )
                )
        else:
            for chapter in reversed(range(int(start), int(end), CHAPTER_SECONDS)):
                inside = store.index.between(chapter, chapter + CHAPTER_SECONDS)
                if not inside:
                    continue
                at = _local(chapter)
                children.append(
                    _playable(
                        MediaId(
                            store.camera_id,
                            MediaKind.RANGE,
                            f"{chapter}-{chapter + CHAPTER_SECONDS}",
                        ),
                        tile_title(
                            f"{at:%H:%M}-{_local(chapter + CHAPTER_SECONDS):%H:%M}",
                            store,
                            at.date(),
                        ),
                        MIME_HLS_PLAYER,
                        segment_thumbnail_url(store.camera_id, inside[0].name),
                    )
                )
        title = f"{store.name}: {day_title(moment.date())} {moment:%H}:00"
        return _folder(
            MediaId(store.camera_id, MediaKind.HOUR, key), title, children, MediaClass.VIDEO
        )

    def _event_item(self, store: CameraStore, event: Event) -> BrowseMediaSource:
        moment = _local(event.trigger or event.start)
        seconds = (event.end or event.window_end) - event.start
        reasons = ", ".join(reason_text(self.hass, r) for r in event.reasons) or "event"
        lead = f"{moment:%H:%M:%S} {reasons} ({seconds:.0f} s){stream_note(event.stream)}"
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=str(event_media_id(store.camera_id, event.id)),
            media_class=MediaClass.VIDEO,
            media_content_type=VIDEO_MP4,
            title=tile_title(lead, store, moment.date()),
            can_play=True,
            can_expand=False,
            thumbnail=THUMBNAIL_URL.format(camera=store.camera_id, event_id=event.id),
        )


def _folder(
    media: MediaId | None,
    title: str,
    children: list[BrowseMediaSource] | None = None,
    children_class: MediaClass = MediaClass.VIDEO,
) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=str(media) if media else "",  # None: Heldar's root
        media_class=MediaClass.DIRECTORY,
        media_content_type="",
        title=title,
        can_play=False,
        can_expand=True,
        children=children,
        children_media_class=children_class,
    )


def _playable(media: MediaId, title: str, mime: str, thumbnail: str | None) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=str(media),
        media_class=MediaClass.VIDEO,
        media_content_type=mime,
        title=title,
        can_play=True,
        can_expand=False,
        thumbnail=thumbnail,
    )


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise _unknown(BrowseError, text) from err


def _unknown[E: BrowseError | Unresolvable](kind: type[E], identifier: str) -> E:
    """Return a translated "no such recording" error of the media source's kind."""
    return kind(
        translation_domain=DOMAIN,
        translation_key="unknown_media",
        translation_placeholders={"identifier": identifier},
    )
