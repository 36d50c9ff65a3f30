// charts.js, the page's second script (async): ECharts and the six charts, handed to app.js through
// window.kdCharts and a "kd-charts" event, so that app.js need not wait for it to ask for data.
import { Charts } from './charts.js';

window.kdCharts = { Charts };
window.dispatchEvent(new Event('kd-charts'));
