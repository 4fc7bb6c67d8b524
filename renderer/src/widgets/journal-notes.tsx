import { useEffect, useState } from 'react';
import type { JournalEntryView } from '../../../shared/api';
import { call } from '../api-client';
import { useTimeFormat } from '../time-zone';

/**
 * Notes, tags and bookmarks on one event, identity or finding: written to the case's journal
 * (append-only, hash-chained, with author and time) and listed back from it.
 */
export function JournalNotes({ casePath, targetKind, targetId, onChange }: { casePath: string; targetKind: 'event' | 'identity' | 'finding'; targetId: string; onChange?: () => void }) {
  const time = useTimeFormat();
  const [entries, setEntries] = useState<JournalEntryView[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const load = () => call('journal.list', { casePath, targetKind, targetId }).then((r) => r.ok && setEntries(r.value));
  useEffect(() => {
    void load();
  }, [casePath, targetKind, targetId]);

  async function add(action: 'note' | 'tag' | 'bookmark') {
    setError(null);
    const value = text.trim();
    const r = await call('journal.add', { casePath, action, targetKind, targetId, ...(action === 'tag' ? { tag: value } : value ? { text: value } : {}) });
    if (!r.ok) return setError(r.error.message);
    setText('');
    await load();
    onChange?.();
  }

  return (
    <div className="journal-notes" aria-label={`notes on this ${targetKind}`}>
      <div className="toolbar">
        <input aria-label={`note on this ${targetKind}`} value={text} onChange={(e) => setText(e.target.value)} placeholder="note, or a tag" onKeyDown={(e) => e.key === 'Enter' && void add('note')} />
        <button type="button" onClick={() => void add('note')} disabled={!text.trim()}>Note</button>
        <button type="button" onClick={() => void add('tag')} disabled={!/^[\w.:-]{1,64}$/.test(text.trim())}>Tag</button>
        {targetKind === 'event' && <button type="button" onClick={() => void add('bookmark')}>Bookmark</button>}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {entries.length > 0 && (
        <ul className="plain small" data-testid="journal-entries">
          {entries.map((e) => (
            <li key={e.seq} title={`journal #${e.seq}, hash ${e.hash}`}>
              <span className="muted">{time(e.createdAt)} {e.author}</span> <strong>{e.action.replace('_', ' ')}</strong> {Object.values(e.body).filter((v) => v !== null).join(' · ')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
