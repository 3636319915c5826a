// Entry point: defining <elb-app> (and through it every page element) starts the dashboard.
import './elements/elb-app.js';
