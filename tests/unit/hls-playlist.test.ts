// HLS playlists as the worker reads them: masters name renditions, media playlists list segments with absolute
// URLs, byte ranges, init sections and sequence numbers; keys are collected so they are never intercepted.
import { describe, expect, it } from 'vitest';
import { isHlsContentType, parseHlsPlaylist } from '../../sw/worker/hls-playlist';

const BASE = 'https://cdn.example.com/vod/720p/index.m3u8?token=abc';

describe('parseHlsPlaylist', () => {
  it('reads a VoD media playlist (as ffmpeg writes it) into absolute segment URLs', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXTINF:2.000000,',
      'seg-000.ts',
      '#EXTINF:1.500000,',
      '../shared/seg-001.ts?sig=1',
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');
    expect(parseHlsPlaylist(text, BASE)).toEqual({
      type: 'media',
      live: false,
      keyUrls: [],
      partUrls: [],
      entries: [
        { url: 'https://cdn.example.com/vod/720p/seg-000.ts', range: null, durationSec: 2, sequence: 0 },
        {
          url: 'https://cdn.example.com/vod/shared/seg-001.ts?sig=1',
          range: null,
          durationSec: 1.5,
          sequence: 1,
        },
      ],
    });
  });

  it('reads byte ranges, implicit offsets included, and the init section once', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-MAP:URI="main.mp4",BYTERANGE="720@0"',
      '#EXTINF:4,',
      '#EXT-X-BYTERANGE:1000@720',
      'main.mp4',
      '#EXTINF:4,',
      '#EXT-X-BYTERANGE:2000',
      'main.mp4',
      '#EXT-X-ENDLIST',
    ].join('\n');
    const playlist = parseHlsPlaylist(text, BASE);
    expect(playlist?.type).toBe('media');
    if (playlist?.type !== 'media') return;
    expect(playlist.entries).toEqual([
      {
        url: 'https://cdn.example.com/vod/720p/main.mp4',
        range: { start: 0, end: 719 },
        durationSec: 0,
        sequence: -1,
      },
      {
        url: 'https://cdn.example.com/vod/720p/main.mp4',
        range: { start: 720, end: 1719 },
        durationSec: 4,
        sequence: 0,
      },
      {
        url: 'https://cdn.example.com/vod/720p/main.mp4',
        range: { start: 1720, end: 3719 },
        durationSec: 4,
        sequence: 1,
      },
    ]);
  });

  it('treats a playlist without ENDLIST as live and numbers from the media sequence (delta skips counted)', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MEDIA-SEQUENCE:500',
      '#EXT-X-SKIP:SKIPPED-SEGMENTS=3',
      '#EXTINF:2,',
      's503.ts',
      '#EXTINF:2,',
      's504.ts',
    ].join('\n');
    const playlist = parseHlsPlaylist(text, BASE);
    expect(playlist).toMatchObject({ type: 'media', live: true });
    if (playlist?.type !== 'media') return;
    expect(playlist.entries.map((entry) => entry.sequence)).toEqual([503, 504]);
  });

  it('collects every key URI (any KEYFORMAT, session keys), and LL-HLS parts apart from segments', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-SESSION-KEY:METHOD=AES-128,URI="https://keys.example.com/session"',
      '#EXT-X-KEY:METHOD=AES-128,URI="key1.bin",IV=0x0123456789abcdef0123456789abcdef',
      '#EXTINF:2,',
      'a.ts',
      '#EXT-X-KEY:METHOD=SAMPLE-AES,KEYFORMAT="com.microsoft.playready",URI="https://license.example.com/pr"',
      '#EXT-X-KEY:METHOD=SAMPLE-AES,KEYFORMAT="com.apple.streamingkeydelivery",URI="skd://fairplay-key"',
      '#EXT-X-PART:DURATION=0.5,URI="b.part1.ts"',
      '#EXTINF:2,',
      'b.ts',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="c.part1.ts"',
    ].join('\n');
    const playlist = parseHlsPlaylist(text, BASE);
    if (playlist?.type !== 'media') throw new Error('expected a media playlist');
    expect(playlist.keyUrls.sort()).toEqual([
      'https://cdn.example.com/vod/720p/key1.bin',
      'https://keys.example.com/session',
      'https://license.example.com/pr',
    ]);
    expect(playlist.entries.map((entry) => entry.url)).toEqual([
      'https://cdn.example.com/vod/720p/a.ts',
      'https://cdn.example.com/vod/720p/b.ts',
    ]);
    expect(playlist.partUrls.sort()).toEqual([
      'https://cdn.example.com/vod/720p/b.part1.ts',
      'https://cdn.example.com/vod/720p/c.part1.ts',
    ]);
  });

  it('reads an LL-HLS fMP4 playlist: parts and hints of the segment being made are parts, never segments', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0,CAN-SKIP-UNTIL=24',
      '#EXT-X-PART-INF:PART-TARGET=0.33334',
      '#EXT-X-MEDIA-SEQUENCE:266',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:4.00008,',
      'fileSequence266.mp4',
      '#EXT-X-PART:DURATION=0.33334,URI="filePart267.0.mp4",INDEPENDENT=YES',
      '#EXT-X-PART:DURATION=0.33334,URI="fileSequence267.mp4",BYTERANGE="20000@0"',
      '#EXTINF:4.00008,',
      'fileSequence267.mp4',
      '#EXT-X-PART:DURATION=0.33334,URI="filePart268.0.mp4"',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="filePart268.1.mp4"',
      '#EXT-X-RENDITION-REPORT:URI="../1M/waitForMSN.php",LAST-MSN=273,LAST-PART=2',
    ].join('\n');
    const playlist = parseHlsPlaylist(text, BASE);
    if (playlist?.type !== 'media') throw new Error('expected a media playlist');
    expect(playlist.live).toBe(true);
    expect(
      playlist.entries.map((entry) => [entry.url.split('/').pop(), entry.range, entry.sequence]),
    ).toEqual([
      ['init.mp4', null, -1],
      ['fileSequence266.mp4', null, 266],
      ['fileSequence267.mp4', null, 267],
    ]);
    expect(playlist.partUrls.map((url) => url.split('/').pop()).sort()).toEqual([
      'filePart267.0.mp4',
      'filePart268.0.mp4',
      'filePart268.1.mp4',
      'fileSequence267.mp4',
    ]);
  });

  it('keeps numbering and init sections across discontinuities (an ad, a new encoder)', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-MEDIA-SEQUENCE:10',
      '#EXT-X-MAP:URI="content-init.mp4"',
      '#EXTINF:4,',
      'content-10.m4s',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-MAP:URI="ad-init.mp4"',
      '#EXTINF:4,',
      'ad-11.m4s',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-MAP:URI="content-init.mp4"',
      '#EXTINF:4,',
      'content-12.m4s',
      '#EXT-X-ENDLIST',
    ].join('\n');
    const playlist = parseHlsPlaylist(text, BASE);
    if (playlist?.type !== 'media') throw new Error('expected a media playlist');
    expect(playlist.entries.map((entry) => [entry.url.split('/').pop(), entry.sequence])).toEqual([
      ['content-init.mp4', -1],
      ['content-10.m4s', 10],
      ['ad-init.mp4', -1],
      ['ad-11.m4s', 11],
      ['content-12.m4s', 12],
    ]);
  });

  it('reads a master playlist into the playlists it names (variants, alternate renditions, I-frames)', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",DEFAULT=YES,URI="audio/en.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="sub",NAME="en",URI="subs/en"',
      '#EXT-X-STREAM-INF:BANDWIDTH=513822,RESOLUTION=426x240,AUDIO="aud"',
      '240p/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=989125,RESOLUTION=640x360,AUDIO="aud"',
      'https://other.example.com/360p/playlist?id=4',
      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,URI="iframes.m3u8"',
    ].join('\n');
    const playlist = parseHlsPlaylist(text, 'https://cdn.example.com/vod/master.m3u8');
    if (playlist?.type !== 'master') throw new Error('expected a master playlist');
    expect(playlist.playlistUrls.sort()).toEqual([
      'https://cdn.example.com/vod/240p/index.m3u8',
      'https://cdn.example.com/vod/audio/en.m3u8',
      'https://cdn.example.com/vod/iframes.m3u8',
      'https://cdn.example.com/vod/subs/en',
      'https://other.example.com/360p/playlist?id=4',
    ]);
  });

  it('refuses what is not a playlist, but accepts a BOM', () => {
    expect(parseHlsPlaylist('<html>not found</html>', BASE)).toBeUndefined();
    expect(parseHlsPlaylist('\uFEFF#EXTM3U\n#EXTINF:2,\na.ts\n', BASE)?.type).toBe('media');
  });
});

describe('isHlsContentType', () => {
  it('knows the playlist types servers send', () => {
    expect(isHlsContentType('application/vnd.apple.mpegurl')).toBe(true);
    expect(isHlsContentType('Application/X-MpegURL; charset=utf-8')).toBe(true);
    expect(isHlsContentType('audio/mpegurl')).toBe(true);
    expect(isHlsContentType('application/json')).toBe(false);
    expect(isHlsContentType(null)).toBe(false);
  });
});
