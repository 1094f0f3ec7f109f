// What the page's modules find on the global object: ECharts from its classic script
// (/vendor/echarts.common.min.js), and the state the page exposes for tests and the console.
import type * as ECharts from 'echarts';
import type { DashboardState } from './state.js';

declare global {
  const echarts: typeof ECharts;
  interface Window {
    __dashboard: DashboardState;
  }
}
