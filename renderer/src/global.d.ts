import type { NhiBridge } from '../../shared/api';

declare global {
  interface Window {
    /** Present in Electron (preload) and in web mode (HTTP client); absent in a bare browser. */
    nhi?: NhiBridge;
  }
}
