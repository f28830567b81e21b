// Test support: zip bombs dressed as workbooks, built without holding their unzipped bytes.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';

interface Part {
  name: string;
  data: Buffer;
  crc: number;
  size: number;
}

/**
 * A real workbook (one sheet with a families header) whose sheet XML then carries a run of
 * repeated rows unzipping to `unzippedMb` MB: about 0.3% of that once compressed. With `lie`,
 * the zip's headers and directory declare that sheet as 1 KB.
 */
export async function aZipBomb(opts: { unzippedMb: number; lie?: boolean }): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Familles').addRow(['ecole', 'classe', 'foyer', 'enfant_prenom', 'responsable1_prenom', 'responsable1_nom', 'responsable1_email']);
  const zip = await JSZip.loadAsync(Buffer.from(await wb.xlsx.writeBuffer()));
  const parts: Part[] = [];
  for (const [name, entry] of Object.entries(zip.files)) {
    if (entry.dir) continue;
    const raw = await entry.async('nodebuffer');
    if (name !== 'xl/worksheets/sheet1.xml') {
      parts.push({ name, data: deflateRawSync(raw), crc: crc32(raw), size: raw.length });
      continue;
    }
    const xml = raw.toString('utf8');
    const cut = xml.indexOf('</sheetData>');
    const head = Buffer.from(xml.slice(0, cut));
    const tail = Buffer.from(xml.slice(cut));
    const row = '<row><c t="inlineStr"><is><t>Nina</t></is></c><c t="inlineStr"><is><t>Roca</t></is></c></row>';
    const block = Buffer.from(row.repeat(Math.ceil((1024 * 1024) / row.length)));
    const blocks = Math.ceil((opts.unzippedMb * 1024 * 1024) / block.length);
    let crc = crc32(head);
    let size = head.length;
    async function* body() {
      yield head;
      for (let i = 0; i < blocks; i++) {
        crc = crc32(block, crc);
        size += block.length;
        yield block;
      }
      crc = crc32(tail, crc);
      size += tail.length;
      yield tail;
    }
    const out: Buffer[] = [];
    await pipeline(
      body,
      createDeflateRaw({ level: 9 }),
      new Writable({
        write(chunk: Buffer, _enc, done) {
          out.push(chunk);
          done();
        },
      }),
    );
    parts.push({ name, data: Buffer.concat(out), crc, size });
  }
  return writeZip(parts, opts.lie ? 'xl/worksheets/sheet1.xml' : null);
}

function writeZip(parts: Part[], lieAbout: string | null): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name, 'utf8');
    const declared = p.name === lieAbout ? 1024 : p.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(p.crc >>> 0, 14);
    local.writeUInt32LE(p.data.length, 18);
    local.writeUInt32LE(declared, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(p.crc >>> 0, 16);
    dir.writeUInt32LE(p.data.length, 20);
    dir.writeUInt32LE(declared, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    chunks.push(local, name, p.data);
    central.push(dir, name);
    offset += local.length + name.length + p.data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, cd, end]);
}
