const ms = require('ms');
console.log('hello in', ms(2000));
