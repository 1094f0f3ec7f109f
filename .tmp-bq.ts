import { openWarehouse } from './src/warehouse/open-warehouse.js';
try { await openWarehouse('bigquery://p/d'); } catch (e) { console.log((e as Error).constructor.name, (e as Error).message); }
