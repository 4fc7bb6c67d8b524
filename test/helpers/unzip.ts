import { gunzipSync } from 'node:zlib';
import yauzl from 'yauzl';

/**
 * Every member of a zip as `path → text`, opened all the way down: nested zips are expanded
 * (`outer.zip/inner/path`) and .gz members decompressed. Used to compare bundles by content.
 */
export async function zipContents(bytes: Buffer, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [name, data] of await readZip(bytes)) {
    const path = `${prefix}${name}`;
    if (name.endsWith('.zip')) {
      for (const [inner, text] of await zipContents(data, `${path}/`)) out.set(inner, text);
    } else {
      out.set(path, (name.endsWith('.gz') ? gunzipSync(data) : data).toString('utf8'));
    }
  }
  return out;
}

function readZip(bytes: Buffer): Promise<[string, Buffer][]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const entries: [string, Buffer][] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries.push([entry.fileName, Buffer.concat(chunks)]);
            zip.readEntry();
          });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
