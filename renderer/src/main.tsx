import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

/** Placeholder until the app shell lands: proves the bridge works end to end. */
function App() {
  const [version, setVersion] = useState<string>('…');
  useEffect(() => {
    if (!window.nhi) {
      setVersion('no bridge: open the app through Electron or web mode');
      return;
    }
    void window.nhi.call('app.version', {}).then((r) => setVersion(r.ok ? `v${r.value.version}${r.value.electron ? ` · Electron ${r.value.electron}` : ''}` : r.error.message));
  }, []);
  return (
    <main>
      <h1>NHI Forensics</h1>
      <p>
        Open a case file to investigate it. Until the case views arrive, use the CLI: <code>npm run nhi -- info --case FILE</code>.
      </p>
      <p>{version}</p>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
