// The file of an upload form (bank statement, receipt, FEC), refused with a clear message when
// it is missing, empty or over the form's limit.
import { InvalidInput, TooLarge } from '../platform/errors.ts';

export function uploadedFile(body: Record<string, unknown>, maxBytes: number): File {
  const file = body['file'];
  if (!(file instanceof File) || file.size === 0) throw new InvalidInput('accounting.error.noFile');
  if (file.size > maxBytes) throw new TooLarge('accounting.error.fileTooLarge', { max: maxBytes / (1024 * 1024), size: (file.size / (1024 * 1024)).toFixed(1) });
  return file;
}
