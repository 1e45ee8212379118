import * as THREE from 'three';
import loadMujoco from 'mujoco-js';
import type { MainModule, MjData, MjModel } from 'mujoco-js';
import type { EpisodeData, Renderer } from './api.js';

type Module = MainModule & { FS: { mkdir(p: string): void; writeFile(p: string, s: string): void } };

// mjtGeom
const PLANE = 0, SPHERE = 2, CAPSULE = 3, ELLIPSOID = 4, CYLINDER = 5, BOX = 6;

/** The tracking camera per env (Gymnasium's DEFAULT_CAMERA_CONFIG where it has one): metres, degrees. */
const CAMERA: Record<string, { distance: number; elevation: number; lookZ: number }> = {
  'Hopper-v5': { distance: 3, elevation: 20, lookZ: 1.15 },
  'Walker2d-v5': { distance: 4, elevation: 20, lookZ: 1.15 },
  'HalfCheetah-v5': { distance: 4, elevation: 20, lookZ: 0.5 },
  'Ant-v5': { distance: 5, elevation: 30, lookZ: 0.5 },
  'Humanoid-v5': { distance: 4, elevation: 20, lookZ: 1.0 },
};

/**
 * The 3D view of MuJoCo envs: MuJoCo (the same WASM build as the envs) turns each frame's qpos
 * into geom poses with mj_forward, and three.js draws the geoms. The camera follows the root
 * body; drag to orbit, wheel to zoom.
 */
export class MujocoRenderer implements Renderer {
  readonly element: HTMLDivElement;
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(45, 1, 0.05, 200);
  private readonly sun: THREE.DirectionalLight;
  private meshes: Array<THREE.Object3D | null> = [];
  private ep: EpisodeData | null = null;
  private azimuth = -Math.PI / 2;
  private elevation: number;
  private distance: number;
  private readonly lookZ: number;
  private readonly tmp = new THREE.Matrix4();

  private constructor(
    private readonly mj: Module,
    private readonly model: MjModel,
    private readonly data: MjData,
    envId: string,
  ) {
    const cam = CAMERA[envId] ?? { distance: Math.max(3, 2 * model.stat.extent), elevation: 20, lookZ: 0.5 };
    this.distance = cam.distance;
    this.elevation = (cam.elevation * Math.PI) / 180;
    this.lookZ = cam.lookZ;
    this.element = document.createElement('div');
    this.element.id = 'view3d';
    // preserveDrawingBuffer: so the page (and its test) can read the drawn pixels back
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.shadowMap.enabled = true;
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.element.appendChild(this.renderer.domElement);
    this.camera.up.set(0, 0, 1);
    this.scene.background = skyTexture();
    this.scene.add(new THREE.HemisphereLight(0xdde6ff, 0x443322, 1.2));
    this.sun = new THREE.DirectionalLight(0xffffff, 2.2);
    this.sun.castShadow = true;
    this.sun.shadow.mapSize.set(1024, 1024);
    const s = 4;
    Object.assign(this.sun.shadow.camera, { left: -s, right: s, top: s, bottom: -s, near: 0.1, far: 30 });
    this.scene.add(this.sun, this.sun.target);
    this.buildGeoms();
    this.attachControls();
  }

  static async create(xml: string, envId: string): Promise<MujocoRenderer> {
    const mj = (await loadMujoco()) as Module;
    mj.FS.mkdir('/viewer');
    mj.FS.writeFile('/viewer/model.xml', xml);
    const model = mj.MjModel.loadFromXML('/viewer/model.xml');
    const data = new mj.MjData(model);
    return new MujocoRenderer(mj, model, data, envId);
  }

  setEpisode(ep: EpisodeData): void {
    if (!ep.qpos) throw new Error('this episode has no qpos');
    if (ep.qpos[0].length !== this.model.nq) throw new Error(`episode qpos has ${ep.qpos[0].length} values, the model nq=${this.model.nq}`);
    this.ep = ep;
  }

  resize(width: number, height: number): void {
    this.renderer.setSize(width, height);
    this.camera.aspect = width / Math.max(height, 1);
    this.camera.updateProjectionMatrix();
  }

  draw(frame: number): void {
    if (!this.ep?.qpos) return;
    const m = this.model, d = this.data;
    // views on the WASM heap: fetched per frame since a heap growth detaches old ones
    (d.qpos as Float64Array).set(this.ep.qpos[frame]);
    this.mj.mj_forward(m, d);
    const xpos = d.geom_xpos as Float64Array;
    const xmat = d.geom_xmat as Float64Array;
    for (let i = 0; i < this.meshes.length; i++) {
      const mesh = this.meshes[i];
      if (!mesh) continue;
      mesh.position.set(xpos[3 * i], xpos[3 * i + 1], xpos[3 * i + 2]);
      const r = xmat.subarray(9 * i, 9 * i + 9);
      this.tmp.set(r[0], r[1], r[2], 0, r[3], r[4], r[5], 0, r[6], r[7], r[8], 0, 0, 0, 0, 1);
      mesh.quaternion.setFromRotationMatrix(this.tmp);
    }
    // follow the root body (body 1), as Gymnasium's tracking camera does
    const bx = d.xpos as Float64Array;
    const target = new THREE.Vector3(bx[3], bx[4], this.lookZ);
    const ce = Math.cos(this.elevation);
    this.camera.position.set(
      target.x + this.distance * ce * Math.cos(this.azimuth),
      target.y + this.distance * ce * Math.sin(this.azimuth),
      target.z + this.distance * Math.sin(this.elevation),
    );
    this.camera.lookAt(target);
    this.sun.position.set(target.x + 2, target.y - 3, target.z + 6);
    this.sun.target.position.copy(target);
    this.renderer.render(this.scene, this.camera);
  }

  private buildGeoms(): void {
    const m = this.model;
    const type = m.geom_type as Int32Array;
    const size = m.geom_size as Float64Array;
    const group = m.geom_group as Int32Array;
    const matid = m.geom_matid as Int32Array;
    const geomRgba = m.geom_rgba as Float32Array;
    const matRgba = m.mat_rgba as Float32Array;
    for (let i = 0; i < m.ngeom; i++) {
      // MuJoCo's viewer shows groups 0-2 by default
      if (group[i] > 2) {
        this.meshes.push(null);
        continue;
      }
      const sx = size[3 * i], sy = size[3 * i + 1], sz = size[3 * i + 2];
      // MuJoCo's rule: a geom's rgba wins over its material's unless it is the default grey
      let rgba = Array.from(geomRgba.subarray(4 * i, 4 * i + 4));
      if (matid[i] >= 0 && rgba[0] === 0.5 && rgba[1] === 0.5 && rgba[2] === 0.5 && rgba[3] === 1) {
        rgba = Array.from(matRgba.subarray(4 * matid[i], 4 * matid[i] + 4));
      }
      const color = new THREE.Color(rgba[0], rgba[1], rgba[2]);
      let geometry: THREE.BufferGeometry;
      let material: THREE.Material = new THREE.MeshStandardMaterial({ color, roughness: 0.6, metalness: 0.1, transparent: rgba[3] < 1, opacity: rgba[3] });
      switch (type[i]) {
        case PLANE: {
          // size 0 means infinite in MuJoCo
          const hx = sx > 0 ? sx : 100, hy = sy > 0 ? sy : 100;
          geometry = new THREE.PlaneGeometry(2 * hx, 2 * hy);
          material = new THREE.MeshStandardMaterial({ map: checker(color, hx, hy), roughness: 0.9 });
          break;
        }
        case SPHERE:
          geometry = new THREE.SphereGeometry(sx, 24, 16);
          break;
        case ELLIPSOID:
          geometry = new THREE.SphereGeometry(1, 24, 16).scale(sx, sy, sz);
          break;
        case CAPSULE:
          // three's capsule runs along y; MuJoCo's along the geom's z
          geometry = new THREE.CapsuleGeometry(sx, 2 * sy, 8, 16).rotateX(Math.PI / 2);
          break;
        case CYLINDER:
          geometry = new THREE.CylinderGeometry(sx, sx, 2 * sy, 24).rotateX(Math.PI / 2);
          break;
        case BOX:
          geometry = new THREE.BoxGeometry(2 * sx, 2 * sy, 2 * sz);
          break;
        default:
          // heightfields and meshes are not in the bundled models
          this.meshes.push(null);
          continue;
      }
      const mesh = new THREE.Mesh(geometry, material);
      mesh.castShadow = type[i] !== PLANE;
      mesh.receiveShadow = true;
      this.scene.add(mesh);
      this.meshes.push(mesh);
    }
  }

  private attachControls(): void {
    const el = this.renderer.domElement;
    let drag: { x: number; y: number } | null = null;
    el.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY };
      el.setPointerCapture(e.pointerId);
    });
    el.addEventListener('pointerup', () => (drag = null));
    el.addEventListener('pointermove', (e) => {
      if (!drag) return;
      this.azimuth -= (e.clientX - drag.x) * 0.01;
      this.elevation = Math.min(1.5, Math.max(-0.2, this.elevation + (e.clientY - drag.y) * 0.01));
      drag = { x: e.clientX, y: e.clientY };
      this.element.dispatchEvent(new Event('redraw', { bubbles: true }));
    });
    el.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        this.distance = Math.min(50, Math.max(0.5, this.distance * Math.exp(e.deltaY * 0.001)));
        this.element.dispatchEvent(new Event('redraw', { bubbles: true }));
      },
      { passive: false },
    );
  }
}

/** A 1 m checkerboard tinted with the floor's colour (the bundled models use a checker texture). */
function checker(color: THREE.Color, hx: number, hy: number): THREE.Texture {
  const c = document.createElement('canvas');
  c.width = c.height = 64;
  const g = c.getContext('2d')!;
  g.fillStyle = `#${color.clone().multiplyScalar(0.9).getHexString()}`;
  g.fillRect(0, 0, 64, 64);
  g.fillStyle = `#${color.clone().multiplyScalar(0.55).getHexString()}`;
  g.fillRect(0, 0, 32, 32);
  g.fillRect(32, 32, 32, 32);
  const t = new THREE.CanvasTexture(c);
  t.wrapS = t.wrapT = THREE.RepeatWrapping;
  t.repeat.set(hx, hy);
  t.colorSpace = THREE.SRGBColorSpace;
  t.anisotropy = 8;
  return t;
}

/** The models' gradient skybox (rgb1 .4 .5 .6 to black), as a vertical gradient. */
function skyTexture(): THREE.Texture {
  const c = document.createElement('canvas');
  c.width = 2;
  c.height = 256;
  const g = c.getContext('2d')!;
  const grad = g.createLinearGradient(0, 0, 0, 256);
  grad.addColorStop(0, '#66809a');
  grad.addColorStop(1, '#1a2026');
  g.fillStyle = grad;
  g.fillRect(0, 0, 2, 256);
  const t = new THREE.CanvasTexture(c);
  t.colorSpace = THREE.SRGBColorSpace;
  return t;
}
