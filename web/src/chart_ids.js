// The six charts' names: the page's containers are chart-<id> (index.html).
export const CHART_IDS = ['equity', 'daily', 'calendar', 'drawdown', 'categories', 'edge'];
