import { type ReactNode, useEffect, useRef } from 'react';
import { useFocusTrap } from './focus-trap';

/**
 * A small non-modal dialog at a point (a value's menu, a column's values): focus inside while it
 * is open, Esc or a click elsewhere closes it. Kept on screen near the window's edges.
 */
export function Popover({ at, label, onClose, children }: { at: { x: number; y: number }; label: string; onClose: () => void; children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  useFocusTrap(box, onClose);
  useEffect(() => {
    const onDown = (e: MouseEvent) => box.current && !box.current.contains(e.target as Node) && onClose();
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [onClose]);
  const left = Math.max(8, Math.min(at.x, window.innerWidth - 340));
  const top = Math.max(8, Math.min(at.y, window.innerHeight - 320));
  return (
    <div ref={box} className="popover" role="dialog" aria-label={label} style={{ left, top }} tabIndex={-1}>
      {children}
    </div>
  );
}
