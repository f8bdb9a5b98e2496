/** What the device is, where it changes what the app can do (Web Push on iOS needs the home screen). */

/** An iPhone or iPad (an iPad asking for the desktop site says MacIntel, with touch). */
export const isIOS = () => /iphone|ipad|ipod/i.test(navigator.userAgent) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);

/** Opened from the home screen rather than in a browser tab. */
export const standalone = () => matchMedia('(display-mode: standalone)').matches || (navigator as unknown as { standalone?: boolean }).standalone === true;
